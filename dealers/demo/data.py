"""Reference data of the demo region: names, cities, vehicle models, workshop operations, part templates
and the Chinese texts of concerns, complaints and survey comments.

Everything here is data the generator samples from; no logic. Lists (never sets) keep the sampling
order stable, so a seed always gives the same region.
"""

from __future__ import annotations

from typing import NamedTuple

BRAND = "华曜"
REGION_CODE = "east"
REGION_NAME = "华东区"

# --------------------------------------------------------------------------------------------- people
# The most common Chinese surnames, most frequent first (weights fall off along the list).
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_MALE = list("伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳建国峰亮成东文志海晨博然轩睿昊天泽子一宏")
GIVEN_FEMALE = list("芳娜敏静丽艳娟霞燕玲婷雪慧颖琳倩晶洁萍红莉佳欣怡雯璐蕾瑶梦涵诗悦晓丹媛月琪思雨嘉")
MOBILE_PREFIXES = [
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155", "156",
    "157", "158", "159", "166", "173", "177", "180", "181", "182", "183", "185", "186", "187", "188", "189",
    "191", "198", "199",
]

# Fleet and enterprise customers: <city><word><business>.
COMPANY_WORDS = ["顺达", "安捷", "通宇", "恒运", "捷诚", "远通", "易行", "万里", "嘉禾", "新程", "骏马", "鸿泰", "华信", "智联", "绿源"]
FLEET_BUSINESSES = ["出租汽车有限公司", "物流有限公司", "网约车服务有限公司", "汽车租赁有限公司", "城市配送有限公司"]
ENTERPRISE_BUSINESSES = ["科技有限公司", "电力工程有限公司", "建设集团有限公司", "医药有限公司", "电子商务有限公司"]
DEALER_GROUPS = ["恒信", "鸿达", "瑞丰", "金诚", "安达", "华宇", "远景", "永盛", "嘉德", "东方", "天成", "宏图"]
OUTLET_AREAS = ["城东", "城西", "城南", "城北", "开发区", "高新区", "新城"]


class City(NamedTuple):
    name: str
    abbr: str  # code prefix of the dealers there
    plate: str  # province character + city letter of the registration plate
    tier: int
    latitude: float
    longitude: float


CITIES = {
    c.name: c
    for c in [
        City("上海", "SH", "沪A", 1, 31.230416, 121.473701),
        City("杭州", "HZ", "浙A", 1, 30.274084, 120.155070),
        City("苏州", "SZ", "苏E", 1, 31.298886, 120.585316),
        City("南京", "NJ", "苏A", 1, 32.060255, 118.796877),
        City("宁波", "NB", "浙B", 1, 29.868336, 121.543990),
        City("合肥", "HF", "皖A", 1, 31.820587, 117.227239),
        City("无锡", "WX", "苏B", 2, 31.490670, 120.312017),
        City("温州", "WZ", "浙C", 2, 27.994267, 120.699367),
        City("常州", "CZ", "苏D", 2, 31.810690, 119.974062),
        City("嘉兴", "JX", "浙F", 2, 30.746191, 120.755470),
        City("金华", "JH", "浙G", 2, 29.078900, 119.647421),
        City("南通", "NT", "苏F", 2, 31.980171, 120.894291),
        City("绍兴", "SX", "浙D", 2, 29.997117, 120.582112),
        City("徐州", "XZ", "苏C", 2, 34.205768, 117.284124),
        City("台州", "TZ", "浙J", 3, 28.656386, 121.420757),
        City("扬州", "YZ", "苏K", 3, 32.393159, 119.412966),
        City("湖州", "HU", "浙E", 3, 30.894348, 120.086823),
        City("盐城", "YC", "苏J", 3, 33.347382, 120.163561),
        City("镇江", "ZJ", "苏L", 3, 32.187849, 119.425836),
        City("芜湖", "WH", "皖B", 3, 31.352859, 118.433065),
        City("泰州", "TA", "苏M", 3, 32.455778, 119.923116),
        City("安庆", "AQ", "皖H", 3, 30.543494, 117.063754),
        City("连云港", "LY", "苏G", 3, 34.596653, 119.221611),
        City("丽水", "LS", "浙K", 4, 28.467630, 119.922796),
        City("衢州", "QZ", "浙H", 4, 28.970080, 118.859457),
        City("舟山", "ZS", "浙L", 4, 29.985295, 122.207215),
        City("宿迁", "SQ", "苏N", 4, 33.961929, 118.275162),
        City("黄山", "HS", "皖J", 4, 29.714699, 118.337481),
        City("池州", "CI", "皖R", 4, 30.664800, 117.491568),
    ]
}

# Where each kind of dealer is placed, in order: the first N of each list are used. 4S stores interleave
# the tiers so that a small region still has core-city and tier-3/4 stores; the quick-repair outlets opened
# during the period cover remote areas (tier 3/4), as the report says.
STORE_CITIES = [
    "杭州", "宁波", "扬州", "丽水", "上海", "无锡", "芜湖", "衢州", "苏州", "温州", "盐城", "南京", "常州",
    "镇江", "合肥", "嘉兴", "湖州", "金华", "南通", "台州", "徐州", "绍兴", "泰州", "安庆",
]
NEW_QUICK_REPAIR_CITIES = ["舟山", "黄山", "宿迁", "池州", "连云港"]
OLD_QUICK_REPAIR_CITIES = ["安庆", "泰州", "湖州", "台州"]
BODY_PAINT_CITIES = ["杭州", "苏州", "宁波", "上海"]
NEV_CENTRE_CITIES = ["上海", "杭州", "南京"]


# ------------------------------------------------------------------------------------------- vehicles
class VehicleModel(NamedTuple):
    name: str
    powertrain: str
    code: str  # VIN descriptor section (5 characters, no I/O/Q)
    body: str  # body family: body parts, lamps, glass
    chassis: str  # brakes and suspension family
    engine: str | None  # engine family (None for BEV)
    battery: str | None  # HV battery family
    drive: str | None  # electric drive family
    years: tuple[int, int]  # model years built
    weight: int  # share of the car park among its powertrain class


VEHICLE_MODELS = [
    VehicleModel("S3", "ICE", "S3A1B", "S3", "small", "1.5L", None, None, (2014, 2019), 12),
    VehicleModel("S5", "ICE", "S5B2C", "S5", "small", "1.5T", None, None, (2017, 2026), 40),
    VehicleModel("X7", "ICE", "X7C3D", "X7", "mid", "2.0T", None, None, (2016, 2026), 32),
    VehicleModel("M8", "ICE", "M8D4E", "M8", "large", "2.0T", None, None, (2018, 2026), 12),
    VehicleModel("X7 HEV", "HEV", "X7H5F", "X7", "mid", "2.0T", None, None, (2020, 2026), 8),
    VehicleModel("X7 PHEV", "PHEV", "X7P6G", "X7", "mid", "1.5T", "P18", "D120", (2021, 2026), 14),
    VehicleModel("M8 PHEV", "PHEV", "M8P7H", "M8", "large", "1.5T", "P18", "D120", (2022, 2026), 6),
    VehicleModel("E3", "BEV", "E3E8J", "E3", "small", None, "B48", "D120", (2019, 2026), 22),
    VehicleModel("E5", "BEV", "E5F9K", "E5", "mid", None, "B72", "D150", (2020, 2026), 30),
    VehicleModel("EX6", "BEV", "EX6AL", "EX6", "large", None, "B90", "D200", (2022, 2026), 16),
    VehicleModel("R7", "EREV", "R7B1M", "R7", "large", "1.5T", "B40", "D150", (2023, 2026), 12),
]
NEV_POWERTRAINS = ("BEV", "PHEV", "EREV")
NEWEST_MODEL_YEAR = max(m.years[1] for m in VEHICLE_MODELS)  # models built up to it are still in production

# ------------------------------------------------------------------------------------------- parts
PART_CATEGORY_PREFIX = {
    "maintenance": "MT", "brakes": "BR", "suspension": "SU", "engine": "EN", "electrical": "EL", "body": "BD",
    "battery": "BT", "e_drive": "ED", "accessory": "AC",
}


class PartTemplate(NamedTuple):
    key: str
    name: str
    category: str
    is_nev: bool
    cost: int  # CNY at the dealer
    fit: str  # which vehicle attribute picks the variant: none/body/chassis/engine/battery/drive
    variants: tuple[str, ...] = ()


_BODIES = ("S3", "S5", "X7", "M8", "E3", "E5", "EX6", "R7")
_CHASSIS = ("small", "mid", "large")
_ENGINES = ("1.5L", "1.5T", "2.0T")
_BATTERIES = ("B48", "B72", "B90", "B40", "P18")
_DRIVES = ("D120", "D150", "D200")

PART_TEMPLATES = [
    # maintenance consumables
    PartTemplate("oil_5w30", "全合成机油 5W-30（1L）", "maintenance", False, 58, "none"),
    PartTemplate("oil_0w20", "全合成机油 0W-20（1L）", "maintenance", False, 66, "none"),
    PartTemplate("oil_filter", "机油滤清器", "maintenance", False, 32, "engine", _ENGINES),
    PartTemplate("air_filter", "空气滤清器滤芯", "maintenance", False, 45, "engine", _ENGINES),
    PartTemplate("cabin_filter", "空调滤清器滤芯（活性炭）", "maintenance", False, 52, "none"),
    PartTemplate("spark_plug", "铱金火花塞", "maintenance", False, 48, "engine", _ENGINES),
    PartTemplate("brake_fluid", "制动液 DOT4（1L）", "maintenance", False, 40, "none"),
    PartTemplate("coolant", "长效冷却液（1L）", "maintenance", False, 28, "none"),
    PartTemplate("atf", "自动变速箱油（1L）", "maintenance", False, 75, "none"),
    PartTemplate("reducer_oil", "减速器齿轮油（1L）", "maintenance", True, 88, "none"),
    PartTemplate("drain_washer", "放油螺塞垫片", "maintenance", False, 3, "none"),
    PartTemplate("wiper", "无骨雨刮片（对）", "maintenance", False, 68, "chassis", _CHASSIS),
    PartTemplate("tyre", "轮胎", "maintenance", False, 560, "chassis", _CHASSIS),
    PartTemplate("refrigerant", "空调制冷剂 R1234yf（500g）", "maintenance", False, 260, "none"),
    PartTemplate("bulb_h7", "卤素灯泡 H7", "maintenance", False, 18, "none"),
    # brakes and suspension
    PartTemplate("pads_front", "前刹车片（套）", "brakes", False, 210, "chassis", _CHASSIS),
    PartTemplate("pads_rear", "后刹车片（套）", "brakes", False, 170, "chassis", _CHASSIS),
    PartTemplate("disc_front", "前制动盘", "brakes", False, 320, "chassis", _CHASSIS),
    PartTemplate("disc_rear", "后制动盘", "brakes", False, 260, "chassis", _CHASSIS),
    PartTemplate("abs_sensor", "ABS轮速传感器", "brakes", False, 150, "chassis", _CHASSIS),
    PartTemplate("shock_front", "前减震器总成", "suspension", False, 520, "chassis", _CHASSIS),
    PartTemplate("shock_rear", "后减震器总成", "suspension", False, 430, "chassis", _CHASSIS),
    PartTemplate("control_arm", "前下控制臂", "suspension", False, 380, "chassis", _CHASSIS),
    PartTemplate("stab_link", "平衡杆连杆", "suspension", False, 95, "chassis", _CHASSIS),
    PartTemplate("tie_rod", "转向横拉杆球头", "suspension", False, 140, "chassis", _CHASSIS),
    PartTemplate("wheel_bearing", "轮毂轴承", "suspension", False, 290, "chassis", _CHASSIS),
    # engine (ICE, HEV and the engines of PHEV / EREV)
    PartTemplate("ign_coil", "点火线圈", "engine", False, 180, "engine", _ENGINES),
    PartTemplate("o2_sensor", "氧传感器", "engine", False, 260, "engine", _ENGINES),
    PartTemplate("water_pump", "水泵总成", "engine", False, 420, "engine", _ENGINES),
    PartTemplate("timing_kit", "正时链条套件", "engine", False, 1350, "engine", _ENGINES),
    PartTemplate("alternator", "发电机总成", "engine", False, 1650, "engine", _ENGINES),
    PartTemplate("starter", "起动机总成", "engine", False, 980, "engine", _ENGINES),
    PartTemplate("fuel_pump", "燃油泵总成", "engine", False, 620, "engine", _ENGINES),
    PartTemplate("radiator", "散热器总成", "engine", False, 760, "chassis", _CHASSIS),
    PartTemplate("throttle_gasket", "节气门体密封垫", "engine", False, 22, "engine", _ENGINES),
    # electrical
    PartTemplate("battery_12v", "12V免维护蓄电池", "electrical", False, 520, "chassis", _CHASSIS),
    PartTemplate("window_reg", "电动车窗升降器", "electrical", False, 340, "body", _BODIES),
    PartTemplate("ac_comp_belt", "空调压缩机（皮带驱动）", "electrical", False, 2400, "engine", _ENGINES),
    PartTemplate("ac_comp_e", "电动空调压缩机", "electrical", True, 3600, "drive", _DRIVES),
    PartTemplate("radar_front", "ADAS前向毫米波雷达", "electrical", False, 2100, "none"),
    PartTemplate("camera_front", "ADAS前视摄像头", "electrical", False, 1800, "none"),
    PartTemplate("park_sensor", "倒车雷达探头", "electrical", False, 120, "none"),
    PartTemplate("fuse_kit", "保险丝继电器套件", "electrical", False, 35, "none"),
    # body (per body family)
    PartTemplate("bumper_front", "前保险杠皮", "body", False, 1100, "body", _BODIES),
    PartTemplate("bumper_rear", "后保险杠皮", "body", False, 950, "body", _BODIES),
    PartTemplate("fender_l", "左前翼子板", "body", False, 620, "body", _BODIES),
    PartTemplate("fender_r", "右前翼子板", "body", False, 620, "body", _BODIES),
    PartTemplate("door_fl", "左前车门壳", "body", False, 2300, "body", _BODIES),
    PartTemplate("door_fr", "右前车门壳", "body", False, 2300, "body", _BODIES),
    PartTemplate("hood", "发动机舱盖", "body", False, 1700, "body", _BODIES),
    PartTemplate("fog_lamp", "前雾灯总成", "body", False, 280, "body", _BODIES),
    PartTemplate("headlamp_l", "左前大灯总成", "body", False, 1900, "body", _BODIES),
    PartTemplate("headlamp_r", "右前大灯总成", "body", False, 1900, "body", _BODIES),
    PartTemplate("mirror_l", "左外后视镜总成", "body", False, 680, "body", _BODIES),
    PartTemplate("mirror_r", "右外后视镜总成", "body", False, 680, "body", _BODIES),
    PartTemplate("windshield", "前挡风玻璃", "body", False, 1500, "body", _BODIES),
    PartTemplate("grille", "中网格栅", "body", False, 560, "body", _BODIES),
    PartTemplate("taillamp", "后组合尾灯", "body", False, 720, "body", _BODIES),
    PartTemplate("paint_base", "水性色漆（1L）", "body", False, 420, "none"),
    PartTemplate("paint_clear", "清漆（1L）", "body", False, 260, "none"),
    PartTemplate("primer", "中涂底漆（1L）", "body", False, 180, "none"),
    PartTemplate("clips", "保险杠卡扣套件", "body", False, 25, "none"),
    # HV battery and electric drive
    PartTemplate("batt_module", "动力电池模组", "battery", True, 9800, "battery", _BATTERIES),
    PartTemplate("bms_board", "电池管理系统（BMS）从控板", "battery", True, 1600, "battery", _BATTERIES),
    PartTemplate("batt_coolant_pump", "电池热管理冷却水泵", "battery", True, 690, "none"),
    PartTemplate("hv_cable", "高压线束总成", "battery", True, 2200, "drive", _DRIVES),
    PartTemplate("hv_connector_kit", "高压接插件加固套件", "battery", True, 160, "none"),
    PartTemplate("batt_seal", "电池包密封垫", "battery", True, 310, "battery", _BATTERIES),
    PartTemplate("motor", "驱动电机总成", "e_drive", True, 14500, "drive", _DRIVES),
    PartTemplate("inverter", "电机控制器", "e_drive", True, 6200, "drive", _DRIVES),
    PartTemplate("obc", "车载充电机（OBC）", "e_drive", True, 3900, "drive", _DRIVES),
    PartTemplate("dcdc", "DC-DC转换器", "e_drive", True, 2100, "drive", _DRIVES),
    PartTemplate("charge_port", "充电口总成", "e_drive", True, 980, "drive", _DRIVES),
    PartTemplate("reducer", "减速器总成", "e_drive", True, 5200, "drive", _DRIVES),
    PartTemplate("ptc_heater", "PTC加热器", "e_drive", True, 1450, "none"),
    # accessories (sold over the counter or with a service; many are slow movers)
    PartTemplate("floor_mats", "全包围脚垫", "accessory", False, 380, "body", _BODIES),
    PartTemplate("dashcam", "原厂行车记录仪", "accessory", False, 520, "none"),
    PartTemplate("roof_rack", "车顶行李架横杆", "accessory", False, 860, "chassis", _CHASSIS),
    PartTemplate("car_cover", "车衣", "accessory", False, 260, "chassis", _CHASSIS),
    PartTemplate("seat_covers", "座椅保护套（套）", "accessory", False, 640, "none"),
    PartTemplate("child_seat", "儿童安全座椅", "accessory", False, 1380, "none"),
    PartTemplate("wallbox", "7kW家用交流充电桩", "accessory", True, 1900, "none"),
    PartTemplate("portable_charger", "随车便携充电枪", "accessory", True, 980, "none"),
    PartTemplate("trunk_mat", "后备箱垫", "accessory", False, 160, "body", _BODIES),
    PartTemplate("phone_mount", "手机支架", "accessory", False, 60, "none"),
    PartTemplate("first_aid", "车载应急包", "accessory", False, 120, "none"),
]
# Price over cost at the dealer, by category (parts margin).
PART_MARKUP = {
    "maintenance": 1.42, "brakes": 1.38, "suspension": 1.35, "engine": 1.32, "electrical": 1.30, "body": 1.28,
    "battery": 1.18, "e_drive": 1.20, "accessory": 1.55,
}


# ------------------------------------------------------------------------------------------- operations
class PartNeed(NamedTuple):
    key: str
    qty: tuple[int, int]
    probability: float


class Operation(NamedTuple):
    code: str
    description: str
    hours: tuple[float, float]  # flat-rate (sold) hours range
    fit: str  # all / engine (has an engine) / ev (has an HV battery) / ice (no HV battery)
    parts: tuple[PartNeed, ...]
    cause: str
    correction: str
    hv: bool = False  # work on the HV system: needs an HV-certified technician


def _op(code, description, hours, fit, parts, cause="", correction="", hv=False):
    return Operation(code, description, hours, fit, tuple(PartNeed(*p) for p in parts), cause, correction, hv)


OPS = {
    op.code: op
    for op in [
        # maintenance
        _op("MT01", "更换机油及机油滤清器", (0.8, 0.8), "engine",
            [("oil_5w30", (4, 5), 0.7), ("oil_0w20", (4, 5), 0.3), ("oil_filter", (1, 1), 1.0), ("drain_washer", (1, 1), 0.9)],
            "按保养周期", "更换机油、机滤，复位保养提示"),
        _op("MT02", "更换空气滤清器滤芯", (0.3, 0.3), "engine", [("air_filter", (1, 1), 1.0)]),
        _op("MT03", "更换空调滤清器滤芯", (0.3, 0.3), "all", [("cabin_filter", (1, 1), 1.0)]),
        _op("MT04", "更换火花塞", (1.0, 1.2), "engine", [("spark_plug", (4, 4), 1.0)]),
        _op("MT05", "更换制动液", (0.8, 0.8), "all", [("brake_fluid", (1, 2), 1.0)]),
        _op("MT06", "四轮定位", (1.0, 1.0), "all", []),
        _op("MT07", "更换自动变速箱油", (1.2, 1.5), "engine", [("atf", (4, 6), 1.0)]),
        _op("MT08", "清洗节气门", (0.6, 0.6), "engine", [("throttle_gasket", (1, 1), 0.8)]),
        _op("MT09", "轮胎换位及动平衡", (0.8, 0.8), "all", []),
        _op("MT10", "更换雨刮片", (0.2, 0.2), "all", [("wiper", (1, 1), 1.0)]),
        _op("MT11", "更换轮胎", (0.5, 1.0), "all", [("tyre", (1, 4), 1.0)]),
        _op("MT12", "空调系统保养及加注制冷剂", (0.8, 1.0), "all", [("refrigerant", (1, 1), 1.0)]),
        _op("NM01", "高压系统安全检查", (0.8, 0.8), "ev", [], "按保养周期", "高压绝缘检测、电池健康度检测", True),
        _op("NM02", "更换电池热管理冷却液", (1.0, 1.2), "ev", [("coolant", (4, 6), 1.0)], hv=True),
        _op("NM03", "更换减速器齿轮油", (0.8, 0.8), "ev", [("reducer_oil", (1, 2), 1.0)]),
        _op("AC01", "精品加装", (0.3, 1.0), "all",
            [("floor_mats", (1, 1), 0.3), ("dashcam", (1, 1), 0.2), ("trunk_mat", (1, 1), 0.2),
             ("seat_covers", (1, 1), 0.1), ("phone_mount", (1, 1), 0.2), ("first_aid", (1, 1), 0.1)]),
        # general repair
        _op("RP01", "更换前刹车片", (1.0, 1.2), "all", [("pads_front", (1, 1), 1.0)], "前刹车片磨损超限", "更换前刹车片"),
        _op("RP02", "更换前制动盘及刹车片", (1.5, 1.8), "all", [("disc_front", (2, 2), 1.0), ("pads_front", (1, 1), 1.0)],
            "制动盘磨损起槽，刹车抖动", "更换前制动盘及刹车片"),
        _op("RP03", "更换后刹车片", (1.0, 1.2), "all", [("pads_rear", (1, 1), 1.0)], "后刹车片磨损", "更换后刹车片"),
        _op("RP04", "更换减震器", (1.8, 2.5), "all", [("shock_front", (2, 2), 0.7), ("shock_rear", (2, 2), 0.3)],
            "减震器漏油", "更换减震器总成"),
        _op("RP05", "更换前下控制臂", (1.5, 1.5), "all", [("control_arm", (1, 2), 1.0)], "控制臂胶套老化异响", "更换控制臂"),
        _op("RP06", "底盘异响检修", (1.0, 1.5), "all", [("stab_link", (2, 2), 0.6), ("tie_rod", (1, 2), 0.3)],
            "平衡杆连杆球头松旷", "更换平衡杆连杆"),
        _op("RP07", "更换12V蓄电池", (0.4, 0.4), "all", [("battery_12v", (1, 1), 1.0)], "蓄电池亏电无法启动", "更换蓄电池"),
        _op("RP08", "空调系统检修", (1.5, 2.0), "all", [("refrigerant", (1, 1), 0.9), ("ac_comp_belt", (1, 1), 0.15)],
            "空调系统泄漏", "检漏、更换密封件并加注制冷剂"),
        _op("RP09", "更换发电机", (2.0, 2.0), "engine", [("alternator", (1, 1), 1.0)], "发电机不发电", "更换发电机总成"),
        _op("RP10", "更换起动机", (1.8, 1.8), "engine", [("starter", (1, 1), 1.0)], "起动机故障", "更换起动机"),
        _op("RP11", "发动机故障灯诊断", (1.0, 1.0), "engine", [("o2_sensor", (1, 1), 0.5), ("ign_coil", (1, 1), 0.4)],
            "氧传感器信号异常", "更换故障传感器并清除故障码"),
        _op("RP12", "更换水泵", (2.5, 2.5), "engine", [("water_pump", (1, 1), 1.0), ("coolant", (4, 6), 1.0)],
            "水泵渗漏", "更换水泵并加注冷却液"),
        _op("RP13", "更换正时链条套件", (4.0, 5.0), "engine", [("timing_kit", (1, 1), 1.0)], "正时链条拉长异响", "更换正时套件"),
        _op("RP14", "更换车窗升降器", (1.2, 1.2), "all", [("window_reg", (1, 1), 1.0)], "车窗升降器电机损坏", "更换升降器"),
        _op("RP15", "更换轮毂轴承", (1.5, 1.5), "all", [("wheel_bearing", (1, 1), 1.0)], "轮毂轴承异响", "更换轮毂轴承"),
        _op("RP16", "电气线路检修", (1.0, 2.0), "all", [("fuse_kit", (1, 1), 0.5), ("park_sensor", (1, 1), 0.3)],
            "线路接触不良", "修复线路、更换损坏元件"),
        _op("RP17", "ADAS传感器标定", (1.0, 1.5), "all", [("radar_front", (1, 1), 0.15), ("camera_front", (1, 1), 0.15)],
            "ADAS系统报警", "标定前向雷达及摄像头"),
        _op("RP18", "更换散热器", (2.0, 2.0), "engine", [("radiator", (1, 1), 1.0), ("coolant", (4, 6), 1.0)],
            "散热器漏水", "更换散热器"),
        # NEV repair
        _op("NR01", "动力电池模组更换", (5.0, 7.0), "ev", [("batt_module", (1, 2), 1.0), ("batt_seal", (1, 1), 1.0)],
            "电池模组压差过大", "更换故障模组并做均衡", True),
        _op("NR02", "动力电池包检测与均衡", (2.0, 3.0), "ev", [("bms_board", (1, 1), 0.25)],
            "BMS报单体电压异常", "电池包均衡、更换BMS从控板", True),
        _op("NR03", "驱动电机总成更换", (4.0, 6.0), "ev", [("motor", (1, 1), 1.0)], "驱动电机异响", "更换驱动电机总成", True),
        _op("NR04", "电机控制器更换", (2.5, 3.0), "ev", [("inverter", (1, 1), 1.0)], "电机控制器故障码", "更换电机控制器", True),
        _op("NR05", "车载充电机更换", (2.0, 2.0), "ev", [("obc", (1, 1), 1.0)], "交流充电失败", "更换车载充电机", True),
        _op("NR06", "高压线束更换", (2.0, 3.0), "ev", [("hv_cable", (1, 1), 1.0)], "高压绝缘故障", "更换高压线束总成", True),
        _op("NR07", "DC-DC转换器更换", (1.5, 1.5), "ev", [("dcdc", (1, 1), 1.0)], "低压蓄电池亏电", "更换DC-DC转换器", True),
        _op("NR08", "充电口总成更换", (1.2, 1.2), "ev", [("charge_port", (1, 1), 1.0)], "充电枪无法识别", "更换充电口总成", True),
        _op("NR09", "热管理系统检修", (1.5, 2.5), "ev",
            [("ptc_heater", (1, 1), 0.4), ("batt_coolant_pump", (1, 1), 0.3), ("ac_comp_e", (1, 1), 0.1)],
            "冬季续航下降、暖风不热", "检修热管理系统", True),
        _op("NR10", "减速器总成更换", (3.0, 4.0), "ev", [("reducer", (1, 1), 1.0), ("reducer_oil", (1, 2), 1.0)],
            "减速器异响", "更换减速器总成", True),
        # accident / body & paint (a panel's sheet metal and paint hours)
        _op("BP01", "前保险杠更换及喷漆", (4.0, 6.0), "all",
            [("bumper_front", (1, 1), 1.0), ("paint_base", (1, 2), 1.0), ("paint_clear", (1, 1), 1.0), ("clips", (1, 1), 0.8),
             ("hood", (1, 1), 0.08), ("fog_lamp", (1, 1), 0.2)],
            "碰撞致前保险杠破损", "更换前保险杠并喷漆"),
        _op("BP02", "后保险杠钣金喷漆", (3.5, 5.0), "all",
            [("bumper_rear", (1, 1), 0.4), ("paint_base", (1, 2), 1.0), ("paint_clear", (1, 1), 1.0), ("primer", (1, 1), 0.7)],
            "追尾致后保险杠凹陷", "钣金修复并喷漆"),
        _op("BP03", "翼子板钣金喷漆", (4.0, 6.0), "all",
            [("fender_l", (1, 1), 0.25), ("fender_r", (1, 1), 0.25), ("paint_base", (1, 2), 1.0), ("paint_clear", (1, 1), 1.0)],
            "刮擦致翼子板变形", "钣金修复或更换翼子板并喷漆"),
        _op("BP04", "车门钣金喷漆", (5.0, 7.0), "all",
            [("door_fl", (1, 1), 0.1), ("door_fr", (1, 1), 0.1), ("paint_base", (1, 2), 1.0), ("paint_clear", (1, 1), 1.0), ("primer", (1, 1), 0.8)],
            "侧面碰撞车门凹陷", "车门钣金修复并喷漆"),
        _op("BP05", "更换前大灯总成", (0.8, 1.0), "all", [("headlamp_l", (1, 1), 0.5), ("headlamp_r", (1, 1), 0.5)],
            "碰撞致大灯破裂", "更换大灯总成并调整光束"),
        _op("BP06", "更换前挡风玻璃", (2.0, 2.0), "all", [("windshield", (1, 1), 1.0), ("camera_front", (1, 1), 0.05)],
            "飞石击裂挡风玻璃", "更换前挡风玻璃并标定摄像头"),
        _op("BP07", "更换外后视镜", (0.6, 0.6), "all", [("mirror_l", (1, 1), 0.5), ("mirror_r", (1, 1), 0.5)], "后视镜刮碰损坏", "更换后视镜总成"),
        _op("BP08", "车身结构校正", (6.0, 10.0), "all", [("clips", (1, 2), 0.5)], "车身结构变形", "大梁校正"),
        _op("BP09", "更换中网及尾灯", (1.0, 1.2), "all", [("grille", (1, 1), 0.6), ("taillamp", (1, 1), 0.5)],
            "碰撞致中网/尾灯损坏", "更换受损件"),
        _op("BP10", "全车抛光打蜡", (3.0, 3.0), "all", []),
        # recall and PDI
        _op("RC01", "召回：安全气囊控制单元软件升级", (0.5, 0.5), "all", [], "厂家召回", "升级控制单元软件"),
        _op("RC02", "召回：燃油泵更换", (1.5, 1.5), "engine", [("fuel_pump", (1, 1), 1.0)], "厂家召回", "更换燃油泵总成"),
        _op("RC03", "召回：高压接插件加固", (1.0, 1.0), "ev", [("hv_connector_kit", (1, 1), 1.0)], "厂家召回", "加固高压接插件", True),
        _op("PD01", "新车交付前检查（PDI）", (1.0, 1.0), "all", [], "新车交付", "完成PDI检查"),
        _op("PD02", "新能源车PDI高压系统检查", (0.5, 0.5), "ev", [], "新车交付", "高压系统检查合格", True),
    ]
}

# Which operations each work-order type draws, with weights (filtered by the vehicle's fit).
MAINTENANCE_EXTRAS = [
    ("MT02", 40), ("MT03", 45), ("MT04", 10), ("MT05", 15), ("MT06", 12), ("MT07", 6), ("MT08", 8), ("MT09", 22),
    ("MT10", 10), ("MT11", 6), ("MT12", 5), ("NM02", 8), ("NM03", 10), ("AC01", 7),
]
REPAIR_OPS = [
    ("RP01", 18), ("RP02", 8), ("RP03", 10), ("RP04", 5), ("RP05", 5), ("RP06", 8), ("RP07", 9), ("RP08", 8),
    ("RP09", 2), ("RP10", 2), ("RP11", 8), ("RP12", 2), ("RP13", 1), ("RP14", 4), ("RP15", 3), ("RP16", 6),
    ("RP17", 3), ("RP18", 2),
]
NEV_REPAIR_OPS = [
    ("NR01", 3), ("NR02", 10), ("NR03", 1), ("NR04", 2), ("NR05", 4), ("NR06", 3), ("NR07", 4), ("NR08", 6),
    ("NR09", 7), ("NR10", 1),
]
ACCIDENT_OPS = [
    ("BP01", 24), ("BP02", 20), ("BP03", 18), ("BP04", 12), ("BP05", 8), ("BP06", 7), ("BP07", 8), ("BP08", 2),
    ("BP09", 6), ("BP10", 4),
]
RECALL_OPS = [("RC01", 40), ("RC02", 30), ("RC03", 30)]

# ------------------------------------------------------------------------------------------- texts
CONCERNS = {
    "maintenance": ["5000公里首保", "1万公里常规保养", "2万公里保养", "4万公里保养", "定期保养", "保养提示灯亮"],
    "repair": ["刹车时有异响", "空调不制冷", "发动机故障灯亮", "过减速带底盘异响", "车窗升降不正常", "无法启动",
               "方向盘抖动", "仪表报警", "ADAS系统提示故障", "冷却液温度偏高"],
    "nev_repair": ["续航里程下降明显", "充电枪无法识别", "动力电池故障报警", "冬季暖风不热", "加速时电机异响",
                   "交流充电失败", "高压系统故障提示"],
    "accident": ["前保险杠碰撞受损", "倒车时后保险杠刮擦", "侧面刮擦车门凹陷", "追尾事故", "挡风玻璃被飞石击裂", "停车时后视镜被刮"],
    "warranty": ["质保期内异响", "质保期内功能故障", "质保期内漏水", "质保期内电气故障"],
    "recall": ["厂家召回通知"],
    "pdi": ["新车交付前检查"],
}
CANCEL_NOTES_BOOKED = ["客户未按预约到店", "客户改约其他时间", "客户取消预约"]
CANCEL_NOTES_CHECKED_IN = ["客户不接受报价", "客户决定暂不维修", "客户转至其他网点维修"]

COMPLAINT_TEXTS = {
    "waiting": ("等待时间过长，超过承诺的交车时间", "致歉并赠送下次保养工时券，优化派工"),
    "parts": ("配件缺货，车辆等待配件多日", "协调紧急订货并提供代步车"),
    "quality": ("维修后问题复现，需要再次进厂", "免费返修并由技术经理复检"),
    "price": ("结算金额与报价不符，收费不透明", "逐项解释费用并退还多收部分"),
    "attitude": ("服务顾问态度冷淡，沟通不耐心", "服务经理上门致歉，顾问接受培训"),
    "other": ("车辆内饰被弄脏", "免费清洗内饰并致歉"),
}
SURVEY_COMMENTS_GOOD = ["服务很专业，交车准时", "顾问讲解清楚，价格透明", "休息区舒适，效率高", "技师很细心", ""]
SURVEY_COMMENTS_BAD = ["等待时间太长", "价格偏高", "问题没有一次修好", "沟通不够及时"]
