//! What an approval asks: a transition's (`when.approvals`), a gate's, or an environment's
//! emergency `override`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An approval a transition needs: `count` distinct members of the team that holds `role`,
/// or the people the subject's own fields name (`or: [manager]`: the train's manager).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ApprovalGuard {
    /// The approval's name: records say `gate: <gate>`.
    pub gate: super::values::Id,
    /// A role name (mapped by `Config.spec.roles`) or a team name.
    pub role: String,
    /// How many distinct people must approve.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    #[schemars(range(min = 1))]
    pub count: u32,
    /// Spec fields of the subject (dotted paths) holding a member id or a team name whose
    /// approval counts as well as the role's, e.g. `[manager]`. Checked like every field a
    /// workflow names; the author of the subject's last change still cannot approve.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub or: Vec<String>,
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}
