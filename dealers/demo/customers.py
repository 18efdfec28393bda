"""Customers and their vehicles: individuals, fleets and enterprises; returning visits.

A visit is by a car the dealer already knows (returning: the chance grows over the period) or by a new
one with a new owner. Fleet and enterprise customers sign contracts at different times and bring a
growing number of cars. Plates follow the dealer's city (浙A…, 苏E…; green NEV plates have 6
characters after the city letter), VINs are valid 17-character VINs.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from workorders import choices
from workorders.models import Customer, Vehicle

from . import data
from .clock import DAY, HOUR, Clock
from .identities import Identities
from .org import DealerPlan
from .rows import RowSink, plain
from .sampling import Draw, Weighted

CustomerKind = plain(choices.CustomerKind)
Gender = plain(choices.Gender)
RETURN_GAP_DAYS = 25  # a car is not back for another visit within this many days (comebacks aside)
ICE_AGE_WEIGHTS = [6, 12, 13, 12, 11, 10, 9, 8, 7, 6, 5]  # years since registration, 0 … 10
NEV_AGE_WEIGHTS = [18, 22, 20, 16, 12, 8, 4]


@dataclass(slots=True)
class CustomerState:
    id: int
    dealer: int  # dealer plan index
    name: str
    phone: str
    kind: str
    gender: str
    vip: bool
    created_at: int = 0
    updated_at: int = 0
    vehicles: list[int] = field(default_factory=list)  # fleets: vehicle indexes
    since_day: int = 0  # fleets: first day of the contract
    written: bool = False
    dirty: bool = False


@dataclass(slots=True)
class VehicleState:
    id: int
    model: int  # index in data.VEHICLE_MODELS
    nev: bool
    owner: int  # customer index
    vin: str
    plate: str
    model_year: int
    registered_day: int | None  # day index of the first registration (None: not yet registered)
    km_per_day: float
    last_day: int = -(10**6)
    mileage: int = 0
    updated_at: int = 0
    written: bool = False
    dirty: bool = False


def _last_year(model: data.VehicleModel) -> int:
    """Models still in production (built up to the newest year in the data) are built in any later year."""
    return 9999 if model.years[1] >= data.NEWEST_MODEL_YEAR else model.years[1]


class Customers:
    """Customers and vehicles. Rows are emitted at the first safe point after they appear (`emit`), so
    work orders can point at them; later visits only change mileage and times, written by `finish`."""

    def __init__(self, *, rng: random.Random, clock: Clock, plans: list[DealerPlan], identities: Identities,
                 sink: RowSink) -> None:
        self.rng = rng
        self.draw = Draw(rng)
        self.clock = clock
        self.plans = plans
        self.identities = identities
        self.sink = sink
        self.customer_table = sink.table(Customer, ["id", "dealer", "external_id", "name", "phone", "kind", "gender",
                                                    "vip", "created_at", "updated_at"])
        self.vehicle_table = sink.table(Vehicle, ["id", "vin", "plate", "brand", "model", "powertrain", "model_year",
                                                  "first_registered_on", "mileage_km", "owner", "updated_at"])
        self.customers: list[CustomerState] = []
        self.vehicles: list[VehicleState] = []
        self._new_customers: list[int] = []
        self._new_vehicles: list[int] = []
        self._dirty_customers: list[int] = []
        self._dirty_vehicles: list[int] = []
        self.pools: dict[tuple[int, bool], list[int]] = {}  # (dealer, nev) → individual customers' vehicles
        self.fleets: dict[int, list[int]] = {}  # dealer → fleet customer indexes
        self._copies: dict[tuple[int, int], int] = {}  # (customer, other dealer) → that dealer's customer record
        self._models: dict[tuple[bool, int, bool], Weighted] = {}
        for plan in plans:
            self._plan_fleets(plan)

    # ------------------------------------------------------------------------------------------ fleets
    def _plan_fleets(self, plan: DealerPlan) -> None:
        rng = self.rng
        initial = {"4s": 2, "quick_repair": 1, "body_paint": 1, "nev_centre": 2}[plan.kind]
        later = rng.randrange(1, 4)
        first = max(0, plan.opened_day)
        for number in range(initial + later):
            since = first if number < initial else rng.randrange(first, max(first + 1, self.clock.ndays - 30))
            fleet = rng.random() < 0.65
            customer = self._new_customer(
                plan.index, self.identities.company(plan.city.name, fleet=fleet), self.identities.phone(),
                CustomerKind.FLEET if fleet else CustomerKind.ENTERPRISE, Gender.UNKNOWN, vip=rng.random() < 0.3,
            )
            state = self.customers[customer]
            state.since_day = since
            state.created_at = state.updated_at = self.clock.day_start(since) + 10 * HOUR
            self.fleets.setdefault(plan.index, []).append(customer)

    def fleet_vehicle(self, plan: DealerPlan, k: int, nev: bool) -> int | None:
        """A car of one of the dealer's fleet customers (a known one, or a new one joining the fleet)."""
        draw = self.draw
        active = [c for c in self.fleets.get(plan.index, ()) if self.customers[c].since_day <= k]
        if not active:
            return None
        index = draw.pick(active)
        customer = self.customers[index]
        cars = [v for v in customer.vehicles if self.vehicles[v].nev == nev]
        if cars and draw.random() < 0.7:
            vehicle = draw.pick(cars)
            if self.vehicles[vehicle].last_day <= k - RETURN_GAP_DAYS:
                return vehicle
        vehicle = self._new_vehicle(plan, k, nev, owner=index, fleet=True)
        customer.vehicles.append(vehicle)
        return vehicle

    # ------------------------------------------------------------------------------------------ visits
    def returning(self, plan: DealerPlan, k: int, nev: bool) -> int | None:
        pool = self.pools.get((plan.index, nev))
        if not pool:
            return None
        for _ in range(3):
            vehicle = self.draw.pick(pool)
            if self.vehicles[vehicle].last_day <= k - RETURN_GAP_DAYS:
                return vehicle
        return None

    def new_individual(self, plan: DealerPlan, k: int, nev: bool, *, new_car: bool = False) -> int:
        surname, given, gender = self.identities.person()
        random_ = self.draw.random
        customer = self._new_customer(plan.index, surname + given, self.identities.phone(), CustomerKind.INDIVIDUAL,
                                      gender if random_() < 0.92 else Gender.UNKNOWN, vip=random_() < 0.03)
        vehicle = self._new_vehicle(plan, k, nev, owner=customer, new_car=new_car)
        self.pools.setdefault((plan.index, nev), []).append(vehicle)
        return vehicle

    def customer_at(self, vehicle: int, plan: DealerPlan) -> int:
        """The owner's customer record at this dealer (a copy when the car visits another dealer)."""
        owner = self.vehicles[vehicle].owner
        state = self.customers[owner]
        if state.dealer == plan.index:
            return owner
        key = (owner, plan.index)
        copy = self._copies.get(key)
        if copy is None:
            copy = self._copies[key] = self._new_customer(plan.index, state.name, state.phone, state.kind,
                                                          state.gender, vip=state.vip)
        return copy

    def visit(self, vehicle: int, customer: int, at: int, until: int, *, checked_in: bool = True) -> int | None:
        """Record a visit (opened at `at`, last event `until`); returns the mileage read at check-in."""
        car = self.vehicles[vehicle]
        clock = self.clock
        car.last_day = max(car.last_day, (until - clock.day0) // DAY)
        mileage = None
        if checked_in:
            k = (at - clock.day0) // DAY
            if car.registered_day is None or car.registered_day > k:
                mileage = self.draw.between(5, 40)
            else:
                mileage = int((k - car.registered_day) * car.km_per_day * (0.95 + 0.1 * self.draw.random())) + 30
            mileage = max(mileage, car.mileage)
            car.mileage = mileage
        if until > car.updated_at:
            car.updated_at = until
            if car.written and not car.dirty:
                car.dirty = True
                self._dirty_vehicles.append(vehicle)
        owner = self.customers[customer]
        if not owner.created_at:
            owner.created_at = at
        if until > owner.updated_at:
            owner.updated_at = until
            if owner.written and not owner.dirty:
                owner.dirty = True
                self._dirty_customers.append(customer)
        return mileage

    def under_three_years(self, vehicle: int, k: int) -> bool:
        registered = self.vehicles[vehicle].registered_day
        return registered is None or k - registered < 3 * 365

    # ------------------------------------------------------------------------------------------ creation
    def _new_customer(self, dealer: int, name: str, phone: str, kind: str, gender: str, *, vip: bool) -> int:
        self.customers.append(CustomerState(self.customer_table.next_id(), dealer, name, phone, kind, gender, vip))
        self._new_customers.append(len(self.customers) - 1)
        return len(self.customers) - 1

    def _model_table(self, nev: bool, year: int, new_car: bool) -> Weighted:
        """(model, age in years) pairs a car park of this class holds in `year`, weighted."""
        key = (nev, year, new_car)
        table = self._models.get(key)
        if table is None:
            ages = NEV_AGE_WEIGHTS if nev else ICE_AGE_WEIGHTS
            items, weights = [], []
            for index, model in enumerate(data.VEHICLE_MODELS):
                if (model.powertrain in data.NEV_POWERTRAINS) != nev:
                    continue
                for age, age_weight in enumerate(ages[:1] if new_car else ages):
                    if model.years[0] <= year - age <= _last_year(model):
                        items.append((index, age))
                        weights.append(model.weight * age_weight)
            table = self._models[key] = Weighted(items, weights)
        return table

    def _new_vehicle(self, plan: DealerPlan, k: int, nev: bool, *, owner: int, new_car: bool = False,
                     fleet: bool = False) -> int:
        draw, clock = self.draw, self.clock
        year = clock.date(k).year
        model_index, age = draw.weighted(self._model_table(nev, year, new_car))
        model = data.VEHICLE_MODELS[model_index]
        if new_car:
            registered: int | None = k + draw.between(0, 3)
            if registered >= clock.ndays:
                registered = None
            model_year = year
        else:
            registered = k - age * 365 - draw.between(0, 365)
            reg_date = clock.date(registered)
            model_year = reg_date.year + (1 if reg_date.month >= 9 and draw.random() < 0.3 else 0)
            model_year = min(max(model_year, model.years[0]), _last_year(model), year)
        km = self.rng.lognormvariate(math.log(120 if fleet else 38), 0.35)
        vehicle = VehicleState(
            id=self.vehicle_table.next_id(), model=model_index, nev=nev, owner=owner,
            vin=self.identities.vin(model.code, model_year),
            plate=self.identities.plate(plan.city.plate, nev=nev, plugin=model.powertrain in ("PHEV", "EREV")),
            model_year=model_year, registered_day=registered, km_per_day=km,
        )
        self.vehicles.append(vehicle)
        self._new_vehicles.append(len(self.vehicles) - 1)
        return len(self.vehicles) - 1

    # ------------------------------------------------------------------------------------------ rows
    def emit(self) -> None:
        """Rows for the customers and vehicles that appeared since the last call."""
        ts = self.clock.ts
        add = self.customer_table.add
        for index in self._new_customers:
            state = self.customers[index]
            state.written = True
            add((state.id, self.plans[state.dealer].id, None, state.name, state.phone, state.kind, state.gender,
                 state.vip, ts(state.created_at), ts(state.updated_at)))
        self._new_customers.clear()
        add = self.vehicle_table.add
        for index in self._new_vehicles:
            car = self.vehicles[index]
            car.written = True
            model = data.VEHICLE_MODELS[car.model]
            registered = None if car.registered_day is None else self.clock.date(car.registered_day).isoformat()
            add((car.id, car.vin, car.plate, data.BRAND, model.name, model.powertrain, car.model_year, registered,
                 car.mileage, self.customers[car.owner].id, ts(car.updated_at)))
        self._new_vehicles.clear()

    def finish(self) -> None:
        """Write what is new, then the final mileage and times of the customers and cars seen again."""
        self.emit()
        self.sink.flush(force=True)
        ts = self.clock.ts
        self.sink.update(Vehicle, ["mileage_km", "updated_at"],
                         [(car.mileage, ts(car.updated_at), car.id) for car in map(self.vehicles.__getitem__,
                                                                                   self._dirty_vehicles)])
        self.sink.update(Customer, ["updated_at"],
                         [(ts(state.updated_at), state.id) for state in map(self.customers.__getitem__,
                                                                            self._dirty_customers)])
