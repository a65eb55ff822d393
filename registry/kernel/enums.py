"""Closed vocabularies of the domain. Values are stored; labels live in the i18n catalogues."""

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    OFFICE = "office"  # 区应急办 staff: every locality
    TOWN = "town"  # 镇街 official: own locality or localities
    LEADER = "leader"  # 区领导: read-only


class LocalityKind(StrEnum):
    SUBDISTRICT = "subdistrict"  # 街道
    TOWN = "town"  # 镇
    PARK = "park"  # 园区 / 开发区


class DepotLevel(StrEnum):
    DISTRICT = "district"  # 区级库, the main body
    TOWN = "town"  # 镇街库, the supplement


class ReserveMode(StrEnum):
    PHYSICAL = "physical"  # 实物储备
    AGREEMENT = "agreement"  # 协议储备
    CAPACITY = "capacity"  # 产能储备


class RecordStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"


class MovementKind(StrEnum):
    RECEIVE = "receive"  # 入库
    ISSUE = "issue"  # 出库
    TRANSFER_OUT = "transfer_out"  # 调拨出
    TRANSFER_IN = "transfer_in"  # 调拨入
    ADJUST = "adjust"  # 盘点调整


class TeamKind(StrEnum):
    COMPREHENSIVE = "comprehensive"  # 综合
    PROFESSIONAL = "professional"  # 专业
    SOCIAL = "social"  # 社会


class TeamStaffing(StrEnum):
    FULL_TIME = "full_time"  # 专职
    PART_TIME = "part_time"  # 兼职
    RESERVE = "reserve"  # 预备役
    VOLUNTEER = "volunteer"  # 志愿者


class Specialty(StrEnum):
    FLOOD = "flood"
    RESCUE = "rescue"
    FIRE = "fire"
    MEDICAL = "medical"
    GEOLOGICAL = "geological"
    HAZCHEM = "hazchem"
    POWER = "power"
    COMMUNICATIONS = "communications"


class CheckpointType(StrEnum):
    WATERLOGGING = "waterlogging"  # 易涝点
    GEOLOGICAL = "geological"  # 地质灾害隐患点
    DILAPIDATED_HOUSING = "dilapidated_housing"  # 危旧房屋
    CONSTRUCTION_SITE = "construction_site"  # 在建工地
    DIKE = "dike"  # 河道堤防
    RESERVOIR = "reservoir"  # 水库
    PUMP_GATE = "pump_gate"  # 泵站闸门
    HAZCHEM = "hazchem"  # 危化企业
    CROWDED_VENUE = "crowded_venue"  # 人员密集场所 / 景区
    BILLBOARD = "billboard"  # 广告牌 / 市政设施


class RiskLevel(StrEnum):
    MAJOR = "major"  # 重大 red
    SIGNIFICANT = "significant"  # 较大 orange
    GENERAL = "general"  # 一般 yellow
    LOW = "low"  # 低 blue


class InspectionTarget(StrEnum):
    DEPOT = "depot"
    CHECKPOINT = "checkpoint"
    TEAM = "team"


class InspectionResult(StrEnum):
    PASSED = "passed"
    FINDINGS = "findings"


class RectificationStatus(StrEnum):
    REGISTERED = "registered"  # 发现登记
    RECTIFYING = "rectifying"  # 整改中
    AWAITING_RECHECK = "awaiting_recheck"  # 待复查
    CLOSED = "closed"  # 已销号


class PlanClass(StrEnum):
    OVERALL = "overall"  # 总体
    SPECIAL = "special"  # 专项
    DEPARTMENT = "department"  # 部门
    GRASSROOTS = "grassroots"  # 基层
    UNIT = "unit"  # 单位


class PlanStatus(StrEnum):
    CURRENT = "current"  # 现行
    EVALUATING = "evaluating"  # 评估中
    REVISING = "revising"  # 修订中
    AWAITING_ISSUE = "awaiting_issue"  # 待印发
    REPEALED = "repealed"  # 已废止


class DrillForm(StrEnum):
    LIVE = "live"  # 实战
    TABLETOP = "tabletop"  # 桌面推演


class BoundarySource(StrEnum):
    APPROXIMATE = "approximate"
    OFFICIAL = "official"


class RevisionTrigger(StrEnum):
    """Why a plan is revised: 《突发事件应急预案管理办法》 (2013 Art. 25; 2024 keeps the list)."""

    LAW_CHANGE = "law_change"  # 法律法规、标准或上位预案变化
    COMMAND_CHANGE = "command_change"  # 指挥机构及其职责重大调整
    RISK_CHANGE = "risk_change"  # 面临的风险发生重大变化
    RESOURCE_CHANGE = "resource_change"  # 重要应急资源发生重大变化
    KEY_INFO_CHANGE = "key_info_change"  # 预案中的其他重要信息发生变化
    RESPONSE_OR_DRILL = "response_or_drill"  # 突发事件应对或演练中发现问题
    EVALUATION = "evaluation"  # 评估认为应当修订
    OTHER = "other"  # 编制单位认为应当修订的其他情况


class CampaignTargetStatus(StrEnum):
    """Where one campaign target stands; 'not inspected' is the blind spot to clear."""

    NOT_INSPECTED = "not_inspected"  # 未检查
    PASSED = "passed"  # 已检查，合格
    OPEN_FINDINGS = "open_findings"  # 已检查，问题整改中
    FINDINGS_CLOSED = "findings_closed"  # 已检查，问题已销号


class AttachmentOwner(StrEnum):
    """What an attachment belongs to."""

    INSPECTION = "inspection"  # 检查照片
    RECTIFICATION_STEP = "rectification_step"  # 整改佐证
    PLAN_REVISION = "plan_revision"  # 预案文本
