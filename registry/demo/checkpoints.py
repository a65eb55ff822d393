"""Risk checkpoints: the real 2016 waterlogging points plus invented ones of every type."""

from __future__ import annotations

from typing import NamedTuple

from registry.demo._context import _address, _place, _point, _Seed, _unique
from registry.demo.people import _person, _phone
from registry.demo.places import (
    COMMUNITIES,
    DIKE_RIVERS,
    GEO_KINDS,
    GEO_SITES,
    OUTER,
    ROADS,
    TOWNS,
    URBAN,
    URBAN_RIVERS,
)
from registry.kernel.enums import CheckpointType, RiskLevel
from registry.kernel.models import Checkpoint
from registry.records.commands import create_checkpoint

T, R = CheckpointType, RiskLevel
NAMED_CHECKPOINTS = (  # 2016-08-20 waterlogging list and 强排泵 (§6.1); cells approximate
    ("常乐新村积水点", T.WATERLOGGING, "新浦街道", R.SIGNIFICANT, "常乐新村"),
    ("海宁小区积水点", T.WATERLOGGING, "新南街道", R.SIGNIFICANT, "海宁小区"),
    ("龙河小区西平房区积水点", T.WATERLOGGING, "新东街道", R.SIGNIFICANT, "龙河小区"),
    ("光辉路积水点", T.WATERLOGGING, "新东街道", R.GENERAL, "光辉路"),
    ("朝阳西路矿山院小区对面积水点", T.WATERLOGGING, "洪门街道", R.SIGNIFICANT, "朝阳西路"),
    ("海宁大道德邦物流段积水点", T.WATERLOGGING, "新海街道", R.GENERAL, "海宁大道"),
    ("建设路直销市场东侧积水点", T.WATERLOGGING, "路南街道", R.GENERAL, "建设路"),
    ("沙板桥强排泵站", T.PUMP_GATE, "新浦街道", R.SIGNIFICANT, "沙板桥"),
    ("东方花园强排泵站", T.PUMP_GATE, "新南街道", R.GENERAL, "东方花园"),
    ("临洪西路强排泵站", T.PUMP_GATE, "浦西街道", R.GENERAL, "临洪西路"),
    ("花果山景区游客中心", T.CROWDED_VENUE, "花果山街道", R.SIGNIFICANT, "花果山景区"),
    ("花果山景区水帘洞", T.CROWDED_VENUE, "花果山街道", R.MAJOR, "花果山景区"),
    ("花果山景区玉皇阁", T.CROWDED_VENUE, "花果山街道", R.SIGNIFICANT, "花果山景区"),
    ("花果山景区三元宫", T.CROWDED_VENUE, "花果山街道", R.SIGNIFICANT, "花果山景区"),
    ("孔望山景区", T.CROWDED_VENUE, "南城街道", R.SIGNIFICANT, "孔望山"),
    ("渔湾景区", T.CROWDED_VENUE, "云台街道", R.SIGNIFICANT, "渔湾"),
    ("锦屏山桃花涧景区", T.CROWDED_VENUE, "锦屏镇", R.GENERAL, "锦屏山"),
)


def _weights(
    urban: float = 0, outer: float = 0, towns: float = 0, **named: float
) -> dict[str, float]:
    """Per-locality weights: one weight per group (city, outer, towns), named ones overriding."""
    weights = {
        **dict.fromkeys(URBAN, urban),
        **dict.fromkeys(OUTER, outer),
        **dict.fromkeys(TOWNS, towns),
    }
    weights.update(named)
    return {name: weight for name, weight in weights.items() if weight}


# type -> (count, locality weights); 1,483 here + 17 named = 1,500
CHECKPOINT_MIX: dict[CheckpointType, tuple[int, dict[str, float]]] = {
    T.WATERLOGGING: (293, _weights(urban=20, outer=5, towns=5)),
    T.GEOLOGICAL: (90, {"花果山街道": 30, "云台街道": 28, "锦屏镇": 18, "南城街道": 14}),
    T.DILAPIDATED_HOUSING: (200, _weights(urban=14, outer=3, towns=10)),
    T.CONSTRUCTION_SITE: (150, _weights(urban=10, 郁洲街道=20, 宁海街道=8, 花果山街道=4)),
    T.DIKE: (120, {"浦南镇": 40, "新坝镇": 25, "板浦镇": 25, "宁海街道": 15, "海州街道": 3,
                   "新东街道": 2, "郁洲街道": 2, "新海街道": 2, "浦西街道": 2, "路南街道": 2,
                   "新南街道": 2}),
    T.RESERVOIR: (25, {"锦屏镇": 8, "云台街道": 6, "花果山街道": 5, "南城街道": 3, "新坝镇": 3}),
    T.PUMP_GATE: (107, _weights(urban=3, 浦南镇=20, 新坝镇=15, 板浦镇=15, 锦屏镇=10,
                                宁海街道=10)),
    T.HAZCHEM: (80, _weights(urban=1, 板浦镇=18, 新坝镇=15, 浦南镇=12, 锦屏镇=10,
                             宁海街道=10, 郁洲街道=8)),
    T.CROWDED_VENUE: (213, _weights(urban=14, outer=4, towns=8)),
    T.BILLBOARD: (205, _weights(urban=17, outer=1, towns=1)),
}  # fmt: skip
URBAN_NAMES = {  # name templates in the city: {place} road, {other} road, {community}, {n}
    T.WATERLOGGING: ("{place}与{other}交叉口积水点", "{place}下穿通道积水点",
                     "{community}低洼积水点", "{place}{n}号门前积水点"),
    T.DILAPIDATED_HOUSING: ("{community}{n}号楼", "{place}{n}号沿街老旧房屋",
                            "{community}平房区{n}排"),
    T.CONSTRUCTION_SITE: ("{place}安置房项目工地", "{community}改造工程工地",
                          "{place}道路提升改造工程", "{place}雨污分流改造工程{n}标段"),
    T.PUMP_GATE: ("{place}排涝泵站", "{place}{n}号雨水泵站", "{river}{n}号节制闸"),
    T.HAZCHEM: ("{place}加油站", "{place}液化气供应站"),
    T.CROWDED_VENUE: ("{place}小学", "{community}幼儿园", "{place}农贸市场", "{place}商业广场",
                      "{place}中学", "{locality}社区卫生服务中心", "{place}医院"),
    T.BILLBOARD: ("{place}{n}号户外广告牌", "{place}人行天桥", "{place}路灯杆{n}号",
                  "{place}{n}号楼顶广告牌", "{community}窨井盖"),
}  # fmt: skip
RURAL_NAMES = {  # elsewhere: {place} is a village or neighbourhood
    T.WATERLOGGING: ("{place}低洼地积水点", "{place}村内道路积水点"),
    T.DILAPIDATED_HOUSING: ("{place}{n}组D级危房", "{place}{n}组C级危房"),
    T.CONSTRUCTION_SITE: ("{place}道路提升工程", "{place}安置小区项目工地"),
    T.RESERVOIR: ("{place}水库", "{place}山塘", "{place}小（二）型水库"),
    T.PUMP_GATE: ("{place}排涝站", "{place}节制闸", "{place}灌溉泵站"),
    T.HAZCHEM: ("{place}液化气储配站", "{place}化工企业{n}号厂区", "{place}危险化学品仓库",
                "{place}加油站"),
    T.CROWDED_VENUE: ("{locality}中心小学", "{place}小学", "{locality}农贸市场",
                      "{locality}卫生院", "{place}文化广场"),
    T.BILLBOARD: ("{place}路口广告牌", "{place}路灯线路"),
}  # fmt: skip
RISK_WEIGHTS = {  # (major, significant, general, low); about 3 % major overall
    T.GEOLOGICAL: (8, 25, 45, 22),
    T.HAZCHEM: (8, 30, 42, 20),
    T.DIKE: (4, 20, 46, 30),
    T.WATERLOGGING: (2, 15, 45, 38),
}
DEFAULT_RISK_WEIGHTS = (1.5, 10, 45, 43.5)
RESPONSIBLE_TITLES = {
    T.CONSTRUCTION_SITE: "项目经理", T.HAZCHEM: "企业负责人", T.CROWDED_VENUE: "单位负责人",
    T.RESERVOIR: "水库管理员", T.PUMP_GATE: "站长", T.DIKE: "河长",
}  # fmt: skip


class _Spot(NamedTuple):
    """A checkpoint's name, the road or village in its address, and the part of the cell."""

    name: str
    place: str
    where: str | None


def _geological_spot(seed: _Seed, locality: str) -> _Spot:
    mountain, spots = seed.rng.choice(GEO_SITES[locality])
    place = mountain + seed.rng.choice(spots)
    return _Spot(f"{place}{seed.rng.choice(GEO_KINDS)}隐患点", place, None)


def _dike_spot(seed: _Seed, locality: str) -> _Spot:
    rng = seed.rng
    river, where = rng.choice(DIKE_RIVERS[locality])
    if where == "north":  # the boundary river: only its south bank is Haizhou's
        side = "南"
    else:
        side = rng.choice(("左", "右") if where == "seat" else ("南", "北", "东", "西"))
    chainage = f"K{rng.randint(0, 30)}+{rng.randrange(0, 1000, 50):03d}"
    place = _place(seed, locality)
    return _Spot(f"{river}{side}堤{place}段（{chainage}）", place, where)


def _templated_spot(seed: _Seed, kind: CheckpointType, locality: str) -> _Spot:
    rng, urban = seed.rng, locality in URBAN
    template = rng.choice((URBAN_NAMES if urban else RURAL_NAMES)[kind])
    place = _place(seed, locality)
    name = template.format(
        place=place,
        other=rng.choice(ROADS),
        community=rng.choice(COMMUNITIES),
        river=rng.choice(URBAN_RIVERS),
        locality=locality,
        n=rng.randint(1, 40),
    )
    return _Spot(name, place, "seat" if urban else None)


def _spot(seed: _Seed, kind: CheckpointType, locality: str) -> _Spot:
    """A plausible name for the type and place, and where in the locality it sits."""
    if kind is T.GEOLOGICAL:
        return _geological_spot(seed, locality)
    if kind is T.DIKE:
        return _dike_spot(seed, locality)
    return _templated_spot(seed, kind, locality)


def _checkpoint(
    seed: _Seed, spot: _Spot, kind: CheckpointType, locality: str, risk: RiskLevel
) -> Checkpoint:
    rng = seed.rng
    lon, lat = _point(seed, locality, spot.where)
    title = RESPONSIBLE_TITLES.get(kind, "村居负责人")
    data = {
        "name": _unique(seed, spot.name),
        "type": kind,
        "risk_level": risk,
        "locality_id": seed.localities[locality].id,
        "lon": lon,
        "lat": lat,
        "address": _address(seed, locality, spot.place),
        "responsible_person": f"{_person(rng)}（{title}）",
        "responsible_phone": _phone(rng),
        "monitor": _person(rng),
        "monitor_phone": _phone(rng),
    }
    return create_checkpoint(seed.session, seed.actor, data, is_demo=True)


def _create_checkpoints(seed: _Seed) -> list[Checkpoint]:
    rng = seed.rng
    checkpoints = [
        _checkpoint(
            seed, _Spot(name, place, "seat" if locality in URBAN else None), kind, locality, risk
        )
        for name, kind, locality, risk, place in NAMED_CHECKPOINTS
    ]
    for kind, (count, weights) in CHECKPOINT_MIX.items():
        risks = RISK_WEIGHTS.get(kind, DEFAULT_RISK_WEIGHTS)
        for locality in rng.choices(list(weights), list(weights.values()), k=count):
            spot = _spot(seed, kind, locality)
            risk = rng.choices(list(RiskLevel), risks)[0]
            checkpoints.append(_checkpoint(seed, spot, kind, locality, risk))
    return checkpoints
