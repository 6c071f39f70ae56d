//! `railyard init`: the files of a new release repository. Pure: it returns paths and texts;
//! the command writes them, and refuses when any already exists.

/// The example workflow, as `examples/github/railyard.yml` ships it.
const WORKFLOW: &str = include_str!("../examples/github/railyard.yml");

/// (path, text) of every file a new release repository starts with.
pub fn scaffold() -> Vec<(&'static str, String)> {
    let team = |name: &str, does: &str| {
        format!(
            "apiVersion: railyard/v1\nkind: Team\nmetadata:\n  name: {name}\nspec:\n  description: \"{does}\"\n  # Replace with the real people: `emails` are how railyard knows who committed a record,\n  # `github` is the handle CODEOWNERS asks for reviews.\n  members:\n    - id: alex\n      name: Alex Example\n      emails: [alex@example.com]\n      github: alex\n"
        )
    };
    vec![
        (
            "railyard.yaml",
            "# The repository's settings (SPEC §2). Everything has a default; these are the ones\n# teams change first.\napiVersion: railyard/v1\nkind: Config\nmetadata:\n  name: releases\nspec:\n  branch: main\n  statusDir: status\n  summary: STATUS.md\n  # The GitHub Action commits status as this identity; railyard trusts status files only\n  # when this identity changed them last.\n  bot:\n    name: github-actions[bot]\n    email: 41898282+github-actions[bot]@users.noreply.github.com\n  execute:\n    jobs: 4\n    timeout: 30m\n".to_string(),
        ),
        (
            "teams/release-managers.yaml",
            team("release-managers", "Own the trains: scope, construction and closing."),
        ),
        (
            "teams/release-engineers.yaml",
            team("release-engineers", "Accept and start turnovers, approve QA."),
        ),
        (
            "teams/release-approvers.yaml",
            team("release-approvers", "The change advisory board: approves release deployments."),
        ),
        (
            "teams/executives.yaml",
            team("executives", "Give the executive go-ahead after QA."),
        ),
        (
            "environments/test.yaml",
            "apiVersion: railyard/v1\nkind: Environment\nmetadata:\n  name: test\nspec:\n  tier: test\n  description: Where every release is deployed first.\n  promotesTo: production\n  owners: release-engineers\n".to_string(),
        ),
        (
            "environments/production.yaml",
            "apiVersion: railyard/v1\nkind: Environment\nmetadata:\n  name: production\nspec:\n  tier: production\n  description: Customer-facing production.\n  owners: release-engineers\n  # Freezes: no deployment in these dates (emergency trains may pass when allowed).\n  freezes: []\n".to_string(),
        ),
        (
            "trains/monthly-template.yaml",
            "# What every monthly train starts from: `template: monthly` in a ReleaseTrain.\napiVersion: railyard/v1\nkind: TrainTemplate\nmetadata:\n  name: monthly\nspec:\n  description: The monthly release train.\n  type: minor\n  environments:\n    - name: test\n    - name: production\n  gates:\n    scoping:\n      criteria:\n        - id: scope-signed-off\n          description: The scope of every application release is signed off.\n          role: release-managers\n    construction:\n      criteria:\n        - id: releases-complete\n          description: Every application release is complete.\n          check:\n            releasesIn: complete\n".to_string(),
        ),
        (".github/workflows/railyard.yml", WORKFLOW.to_string()),
        (
            ".github/CODEOWNERS",
            format!(
                "# Your own lines go above or below railyard's block; `railyard codeowners --write`\n# keeps the block current and `railyard codeowners --check` fails when it is not.\n{}",
                crate::codeowners::BEGIN
            ) + "\n" + crate::codeowners::END + "\n",
        ),
    ]
}
