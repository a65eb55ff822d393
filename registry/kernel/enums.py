"""Closed vocabularies of the domain. Values are stored; labels live in the i18n catalogues."""

from __future__ import annotations

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


class WarningType(StrEnum):
    """What a warning warns of: the 14 meteorological warning signals (中国气象局令第16号)
    and the hydrological and geological warnings, which use the same four colours."""

    TYPHOON = "typhoon"  # 台风
    RAINSTORM = "rainstorm"  # 暴雨
    SNOWSTORM = "snowstorm"  # 暴雪
    COLD_WAVE = "cold_wave"  # 寒潮
    GALE = "gale"  # 大风
    SANDSTORM = "sandstorm"  # 沙尘暴
    HEAT = "heat"  # 高温
    DROUGHT = "drought"  # 干旱
    LIGHTNING = "lightning"  # 雷电
    HAIL = "hail"  # 冰雹
    FROST = "frost"  # 霜冻
    FOG = "fog"  # 大雾
    HAZE = "haze"  # 霾
    ROAD_ICING = "road_icing"  # 道路结冰
    FLOOD = "flood"  # 洪水 (水文)
    GEOLOGICAL = "geological"  # 地质灾害


class WarningLevel(StrEnum):
    """The four colours, highest first: 红 I 特别严重, 橙 II 严重, 黄 III 较重, 蓝 IV 一般."""

    RED = "red"
    ORANGE = "orange"
    YELLOW = "yellow"
    BLUE = "blue"


class WarningState(StrEnum):
    """Where a registered warning stands: in force until it expires, is cancelled by its
    issuer or replaced by an update (the update is then the warning in force)."""

    IN_FORCE = "in_force"
    UPDATED = "updated"
    CANCELLED = "cancelled"


class ResponseLevel(StrEnum):
    """应急响应 levels, Ⅰ the highest (特别重大) to Ⅳ (一般)."""

    I = "1"  # noqa: E741 - the level's own name
    II = "2"
    III = "3"
    IV = "4"


class EventState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class TaskKind(StrEnum):
    PATROL = "patrol"  # 巡查
    EVACUATE = "evacuate"  # 转移避险
    CORDON = "cordon"  # 封控


class TaskStatus(StrEnum):
    """待执行 → 已到岗 → 已处置 / 已转移 → 解除."""

    PENDING = "pending"
    ON_SITE = "on_site"
    HANDLED = "handled"
    EVACUATED = "evacuated"
    LIFTED = "lifted"


class ReportStage(StrEnum):
    """One disaster process: one 初报, several 续报, one 核报 (应急〔2020〕19号)."""

    INITIAL = "initial"  # 初报
    UPDATE = "update"  # 续报
    FINAL = "final"  # 核报


class ReportState(StrEnum):
    """A town's report as the district office checks it: 待审核 → 已采用 / 已退回."""

    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


class CasualtyStatus(StrEnum):
    """因灾死亡失踪人口台账: dead or missing."""

    DEAD = "dead"
    MISSING = "missing"


class HouseDamage(StrEnum):
    """因灾倒塌损坏住房户台账: how badly a household's house is damaged."""

    COLLAPSED = "collapsed"  # 倒塌
    SEVERE = "severe"  # 严重损坏
    MODERATE = "moderate"  # 一般损坏


class ReviewSubject(StrEnum):
    """What an after-action review (复盘) finding concerns."""

    PLAN = "plan"
    DEPOT = "depot"
    TEAM = "team"
    CHECKPOINT = "checkpoint"


class ReviewVerdict(StrEnum):
    WORKED = "worked"  # 发挥作用
    FAILED = "failed"  # 未达预期


class DispatchState(StrEnum):
    DRAFT = "draft"  # suggested, being edited by the office
    ISSUED = "issued"  # the transfers are in the ledger


class DeploymentStatus(StrEnum):
    """待命 → 出动 → 到达 → 撤离; a team is busy until it has withdrawn."""

    STANDBY = "standby"
    DISPATCHED = "dispatched"
    ARRIVED = "arrived"
    WITHDRAWN = "withdrawn"


class TerminalType(StrEnum):
    LOUDSPEAKER = "loudspeaker"  # 高音喇叭
    SOUND_COLUMN = "sound_column"  # 音柱
    FM_RECEIVER = "fm_receiver"  # 调频接收终端
    SMART = "smart"  # 智能广播终端


class TerminalStatus(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"
    FAULT = "fault"


class BroadcastLevel(StrEnum):
    """Where a broadcast platform or terminal sits (县、乡镇、行政村/社区)."""

    DISTRICT = "district"
    TOWN = "town"
    VILLAGE = "village"


class BroadcastKind(StrEnum):
    ROUTINE = "routine"  # 日常广播
    EMERGENCY = "emergency"  # 应急广播


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"


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
    TASK_STEP = "task_step"  # 处置佐证
    DISASTER_REPORT = "disaster_report"  # 灾情照片


class TokenScope(StrEnum):
    """What an API token may do: read, or read and write (within its localities)."""

    READ = "read"
    WRITE = "write"


class AuditEntity(StrEnum):
    """What an audit event is about: a closed list, each labelled ``audit.entity.<value>``;
    the values are the strings stored in ``audit_events.entity``, never renamed."""

    API_TOKEN = "api_token"
    ATTACHMENT = "attachment"
    BROADCAST = "broadcast"
    BROADCAST_TERMINAL = "broadcast_terminal"
    CAMPAIGN = "campaign"
    CHECKPOINT = "checkpoint"
    DATABASE = "database"
    DEMO = "demo"
    DEPLOYMENT = "deployment"
    DEPOT = "depot"
    DAMAGED_HOUSE = "damaged_house"
    DISASTER_CASUALTY = "disaster_casualty"
    DISASTER_REPORT = "disaster_report"
    DISPATCH = "dispatch"
    DRILL = "drill"
    EVENT = "event"
    IMPORT = "import"
    IMPORT_MAPPING = "import_mapping"
    INSPECTION = "inspection"
    ITEM = "item"
    ITEM_ALIAS = "item_alias"
    LOCALITY = "locality"
    PLAN = "plan"
    PLAN_REVISION = "plan_revision"
    QUOTA = "quota"
    REPLENISHMENT = "replenishment"
    READINESS_SNAPSHOT = "readiness_snapshot"
    RECTIFICATION = "rectification"
    STOCK_LOT = "stock_lot"
    REVIEW = "review"
    TASK = "task"
    TEAM = "team"
    TEAM_MEMBER = "team_member"
    USER = "user"
    WARNING = "warning"


class AuditAction(StrEnum):
    """What happened: a closed list, each labelled ``audit.action.<value>``; the values are
    the strings stored in ``audit_events.action``, never renamed (the trail is append-only)."""

    ACCOUNT_LOCKED = "account-locked"
    ACCOUNT_UNLOCKED = "account-unlocked"
    API_REQUEST = "api_token-request"
    API_TOKEN_CREATED = "api_token-created"
    API_TOKEN_REVOKED = "api_token-revoked"
    ATTACHMENT_ADDED = "attachment-added"
    BROADCAST_SENT = "broadcast-sent"
    BROADCAST_TERMINAL_CREATED = "broadcast_terminal-created"
    BROADCAST_TERMINAL_STATUS = "broadcast_terminal-status"
    BROADCAST_TERMINAL_UPDATED = "broadcast_terminal-updated"
    CAMPAIGN_CREATED = "campaign-created"
    CAMPAIGN_UPDATED = "campaign-updated"
    CATALOGUE_LOADED = "catalogue-loaded"
    CHECKPOINT_CREATED = "checkpoint-created"
    CHECKPOINT_RETIRED = "checkpoint-retired"
    CHECKPOINT_UPDATED = "checkpoint-updated"
    DATABASE_PURPOSE_SET = "database-purpose-set"
    DAMAGED_HOUSE_ADDED = "damaged_house-added"
    DAMAGED_HOUSE_REMOVED = "damaged_house-removed"
    DAMAGED_HOUSE_UPDATED = "damaged_house-updated"
    DEMO_SEEDED = "demo-seeded"
    DEPOT_CONFIRMED_UNCHANGED = "depot-confirmed-unchanged"
    DEPOT_CREATED = "depot-created"
    DEPOT_RETIRED = "depot-retired"
    DEPOT_UPDATED = "depot-updated"
    DEPLOYMENT_ADVANCED = "deployment-advanced"
    DEPLOYMENT_CREATED = "deployment-created"
    DISASTER_CASUALTY_ADDED = "disaster_casualty-added"
    DISASTER_CASUALTY_REMOVED = "disaster_casualty-removed"
    DISASTER_CASUALTY_UPDATED = "disaster_casualty-updated"
    DISASTER_REPORT_ACCEPTED = "disaster_report-accepted"
    DISASTER_REPORT_FILED = "disaster_report-filed"
    DISASTER_REPORT_RETURNED = "disaster_report-returned"
    DISPATCH_EDITED = "dispatch-edited"
    DISPATCH_ISSUED = "dispatch-issued"
    DISPATCH_SUGGESTED = "dispatch-suggested"
    DRILL_CREATED = "drill-created"
    EVENT_CLOSED = "event-closed"
    EVENT_LEVEL_CHANGED = "event-level-changed"
    EVENT_OPENED = "event-opened"
    EVENT_STABLE = "event-stable"
    EVENT_UPDATED = "event-updated"
    IMPORT_COMMITTED = "import-committed"
    IMPORT_MAPPING_SAVED = "import_mapping-saved"
    ITEM_ALIAS_CONFIRMED = "item_alias-confirmed"
    INSPECTION_RECORDED = "inspection-recorded"
    LOCALITIES_LOADED = "localities-loaded"
    LOCALITY_BOUNDARY_REPLACED = "locality-boundary-replaced"
    LOGIN = "login"
    LOGIN_FAILED = "login-failed"
    PASSWORD_CHANGED = "password-changed"
    PASSWORD_RESET = "password-reset"
    PLAN_CREATED = "plan-created"
    PLAN_DRAFT_RETURNED = "plan-draft-returned"
    PLAN_DRAFT_SUBMITTED = "plan-draft-submitted"
    PLAN_EVALUATION_KEPT = "plan-evaluation-kept"
    PLAN_EVALUATION_REVISE = "plan-evaluation-revise"
    PLAN_EVALUATION_STARTED = "plan-evaluation-started"
    PLAN_FILED = "plan-filed"
    PLAN_ISSUED = "plan-issued"
    PLAN_REPEALED = "plan-repealed"
    PLAN_REVISION_CREATED = "plan_revision-created"
    PLAN_REVISION_STARTED = "plan-revision-started"
    PLAN_UPDATED = "plan-updated"
    QUOTA_SET = "quota-set"
    READINESS_SNAPSHOT_TAKEN = "readiness-snapshot-taken"
    RECTIFICATION_CLOSE = "rectification-close"
    RECTIFICATION_CREATED = "rectification-created"
    RECTIFICATION_EXTEND = "rectification-extend"
    RECTIFICATION_PLAN = "rectification-plan"
    RECTIFICATION_SEND_BACK = "rectification-send-back"
    RECTIFICATION_SIGN_OFF = "rectification-sign-off"
    RECTIFICATION_START = "rectification-start"
    RECTIFICATION_SUBMIT = "rectification-submit"
    REPLENISHMENT_LISTED = "replenishment-listed"
    REPLENISHMENT_WAIVED = "replenishment-waived"
    REVIEW_FILED = "review-filed"
    SCALE_DATASET_BUILT = "scale-dataset-built"
    SIGNED_OUT_EVERYWHERE = "signed-out-everywhere"
    STOCK_ADJUST = "stock-adjust"
    STOCK_ISSUE = "stock-issue"
    STOCK_RECEIVE = "stock-receive"
    STOCK_TAKE_MATCHED = "stock-take-matched"
    STOCK_TRANSFER_IN = "stock-transfer_in"
    STOCK_TRANSFER_OUT = "stock-transfer_out"
    TASK_CREATED = "task-created"
    TASK_UPDATED = "task-updated"
    TEAM_CONFIRMED_UNCHANGED = "team-confirmed-unchanged"
    TEAM_CREATED = "team-created"
    TEAM_DRILL_RECORDED = "team-drill-recorded"
    TEAM_MEMBER_CREATED = "team_member-created"
    TEAM_MEMBER_REMOVED = "team_member-removed"
    TEAM_MEMBER_UPDATED = "team_member-updated"
    WARNING_CANCELLED = "warning-cancelled"
    WARNING_REGISTERED = "warning-registered"
    WARNING_UPDATED = "warning-updated"
    TEAM_RETIRED = "team-retired"
    TEAM_UPDATED = "team-updated"
    USER_CREATED = "user-created"
    USER_DISABLED = "user-disabled"
    USER_ENABLED = "user-enabled"
    USER_UPDATED = "user-updated"

    @classmethod
    def of(cls, entity: AuditEntity, verb: str) -> AuditAction:
        """The member for a generic verb on an entity (``depot`` + ``created``); refuses a
        combination that is not in the list, so no unlabelled action is ever stored."""
        return cls(f"{entity.value}-{verb}")
