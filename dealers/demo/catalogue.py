"""The parts catalogue (~300 parts incl. NEV parts) and the demand model: which operations a work order
of a type gets on a vehicle model, and which parts (and how many) each operation needs.

The same tables drive the workshop's sampling and the stocking plan's expected demand, so a dealer
stocks what its work orders will ask for.
"""

from __future__ import annotations

from dataclasses import dataclass

from parts.models import Part

from . import data, story
from .rows import RowSink, money
from .sampling import Draw, Weighted

CHASSIS_LABEL = {"small": "S3/S5/E3", "mid": "X7/E5", "large": "M8/EX6/R7"}
BATTERY_LABEL = {"B48": "48kWh", "B72": "72kWh", "B90": "90kWh", "B40": "40kWh", "P18": "PHEV 18kWh"}
DRIVE_LABEL = {"D120": "120kW", "D150": "150kW", "D200": "200kW"}
BIN_ZONE = {"maintenance": "A", "brakes": "B", "suspension": "C", "engine": "D", "electrical": "E", "body": "F",
            "battery": "H", "e_drive": "H", "accessory": "K"}


@dataclass(slots=True)
class PartInfo:
    index: int
    id: int
    number: str
    key: str
    category: str
    is_nev: bool
    cost: int  # cents
    price: int  # cents


def _variant_label(fit: str, variant: str) -> str:
    if fit == "chassis":
        return CHASSIS_LABEL[variant]
    if fit == "battery":
        return BATTERY_LABEL[variant]
    if fit == "drive":
        return DRIVE_LABEL[variant]
    return variant


def _fits(op: data.Operation, model: data.VehicleModel) -> bool:
    if op.fit == "engine":
        return model.engine is not None
    if op.fit == "ev":
        return model.battery is not None
    return True


class Catalogue:
    """Parts by index, and the per (operation, vehicle model) part needs."""

    def __init__(self) -> None:
        self.parts: list[PartInfo] = []
        self._by_key: dict[tuple[str, str | None], int] = {}
        self._needs: dict[tuple[str, int], list[tuple[int, float, int, int]]] = {}
        self.models = data.VEHICLE_MODELS
        self._pool_tables: dict[tuple[str, int], Weighted] = {}
        self._extra_lists: dict[int, list[tuple[str, float]]] = {}

    # ---------------------------------------------------------------------------------- building
    def build(self, sink: RowSink, when: str) -> None:
        table = sink.table(Part, ["id", "number", "name", "category", "is_nev", "cost", "price", "active", "updated_at"])
        counters: dict[str, int] = {}
        for template in data.PART_TEMPLATES:
            variants: tuple[str | None, ...] = template.variants or (None,)
            for position, variant in enumerate(variants):
                prefix = data.PART_CATEGORY_PREFIX[template.category]
                counters[prefix] = counters.get(prefix, 10000) + 7
                number = f"HY-{prefix}{counters[prefix]:05d}"
                name = template.name if variant is None else f"{template.name}（{_variant_label(template.fit, variant)}）"
                # Bigger variants cost a little more; prices in whole yuan.
                cost = int(round(template.cost * (1 + 0.06 * position))) * 100
                price = int(round(cost / 100 * data.PART_MARKUP[template.category])) * 100
                info = PartInfo(len(self.parts), table.next_id(), number, template.key, template.category,
                                template.is_nev, cost, price)
                self.parts.append(info)
                self._by_key[(template.key, variant)] = info.index
                table.add((info.id, number, name, template.category, template.is_nev, money(cost), money(price),
                           True, when))
        self._templates = {t.key: t for t in data.PART_TEMPLATES}
        for op in data.OPS.values():
            for model_index, model in enumerate(self.models):
                if _fits(op, model):
                    self._needs[(op.code, model_index)] = [
                        (part, need.probability, need.qty[0], need.qty[1])
                        for need in op.parts
                        if (part := self.part_for(need.key, model)) is not None
                    ]

    def part_for(self, key: str, model: data.VehicleModel) -> int | None:
        template = self._templates[key]
        if template.fit == "none":
            return self._by_key[(key, None)]
        variant = getattr(model, template.fit)
        return None if variant is None else self._by_key.get((key, variant))

    def needs(self, op_code: str, model_index: int) -> list[tuple[int, float, int, int]]:
        """(part index, probability, min qty, max qty) of each part the operation may use on the model."""
        return self._needs.get((op_code, model_index), [])

    # ---------------------------------------------------------------------------------- demand
    def op_distribution(self, wo_type: str, model_index: int) -> list[tuple[str, float]]:
        """Expected number of each operation on a work order of the type on the model (sums ≥ 1)."""
        model = self.models[model_index]
        ev = model.battery is not None
        engine = model.engine is not None
        result: dict[str, float] = {}

        def pool(weights: list[tuple[str, int]], count: float) -> None:
            usable = [(code, w) for code, w in weights if _fits(data.OPS[code], model)]
            total = sum(w for _, w in usable)
            for code, w in usable:
                result[code] = result.get(code, 0.0) + count * w / total

        if wo_type == "maintenance":
            if engine:
                result["MT01"] = 1.0
            if ev:
                result["NM01"] = 1.0
            for code, weight in data.MAINTENANCE_EXTRAS:
                if _fits(data.OPS[code], model):
                    result[code] = result.get(code, 0.0) + weight / 100
        elif wo_type in ("repair", "warranty"):
            nev_share = (0.65 if wo_type == "warranty" else 0.55) if ev else 0.0
            for share in (1.0, 0.25):
                if nev_share:
                    pool(data.NEV_REPAIR_OPS, share * nev_share)
                pool(data.REPAIR_OPS, share * (1 - nev_share))
        elif wo_type == "accident":
            pool(data.ACCIDENT_OPS, 2.0)
        elif wo_type == "recall":
            pool(data.RECALL_OPS, 1.0)
        else:  # pdi
            result["PD01"] = 1.0
            if ev:
                result["PD02"] = 1.0
        return list(result.items())

    def sample_ops(self, draw: Draw, wo_type: str, model_index: int) -> list[str]:
        """The operations of one work order, drawn from the same distribution as op_distribution."""
        model = self.models[model_index]
        random = draw.random
        ops: list[str] = []
        if wo_type == "maintenance":
            if model.engine is not None:
                ops.append("MT01")
            if model.battery is not None:
                ops.append("NM01")
            for code, probability in self._extras(model_index):
                if random() < probability:
                    ops.append(code)
        elif wo_type in ("repair", "warranty"):
            nev_share = (0.65 if wo_type == "warranty" else 0.55) if model.battery is not None else 0.0
            for _ in range(2 if random() < 0.25 else 1):
                pool = "nev_repair" if random() < nev_share else "repair"
                self._draw_into(draw, pool, model_index, ops)
        elif wo_type == "accident":
            count = 1 + (random() < 0.6) + (random() < 0.3) + (random() < 0.1)
            for _ in range(count):
                self._draw_into(draw, "accident", model_index, ops)
        elif wo_type == "recall":
            self._draw_into(draw, "recall", model_index, ops)
        else:
            ops.append("PD01")
            if model.battery is not None:
                ops.append("PD02")
        return ops

    _POOLS = {"repair": data.REPAIR_OPS, "nev_repair": data.NEV_REPAIR_OPS, "accident": data.ACCIDENT_OPS,
              "recall": data.RECALL_OPS}

    def _draw_into(self, draw: Draw, pool: str, model_index: int, ops: list[str]) -> None:
        """Add one operation of the pool that fits the model and is not on the work order yet."""
        key = (pool, model_index)
        table = self._pool_tables.get(key)
        if table is None:
            model = self.models[model_index]
            usable = [(c, w) for c, w in self._POOLS[pool] if _fits(data.OPS[c], model)]
            table = self._pool_tables[key] = Weighted([c for c, _ in usable], [w for _, w in usable])
        for _ in range(4):
            code = draw.weighted(table)
            if code not in ops:
                ops.append(code)
                return

    def _extras(self, model_index: int) -> list[tuple[str, float]]:
        found = self._extra_lists.get(model_index)
        if found is None:
            model = self.models[model_index]
            found = self._extra_lists[model_index] = [
                (code, weight / 100) for code, weight in data.MAINTENANCE_EXTRAS if _fits(data.OPS[code], model)
            ]
        return found

    def hours_per_work_order(self, kind: str, nev_share: float) -> float:
        """Expected flat-rate hours of a work order at a dealer of this kind, for a share of NEVs."""
        mix = story.TYPE_MIX[kind]
        total_mix = sum(mix.values())
        hours = 0.0
        for nev, share in ((False, 1 - nev_share), (True, nev_share)):
            models = [(i, m.weight) for i, m in enumerate(self.models) if (m.powertrain in data.NEV_POWERTRAINS) == nev]
            total_weight = sum(w for _, w in models)
            for wo_type, type_share in mix.items():
                for model_index, weight in models:
                    p = share * type_share / total_mix * weight / total_weight
                    for code, count in self.op_distribution(wo_type, model_index):
                        hours += p * count * sum(data.OPS[code].hours) / 2
        return hours

    def expected_parts(self, wo_type: str, model_index: int) -> dict[int, tuple[float, float]]:
        """Expected parts lines and units per work order of the type on the model, by part index."""
        result: dict[int, tuple[float, float]] = {}
        for code, count in self.op_distribution(wo_type, model_index):
            for part, probability, low, high in self.needs(code, model_index):
                lines, units = result.get(part, (0.0, 0.0))
                result[part] = (lines + count * probability, units + count * probability * (low + high) / 2)
        return result
