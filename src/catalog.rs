//! The catalog: every loaded object indexed by kind and name, with typed access. Building it
//! reports names used twice within a kind.

use std::collections::BTreeMap;

use crate::diagnostics::{Code, Diagnostic};
use crate::load::{Document, Settings};
use crate::manifest::{Kind, KindSpec, Manifest, ReleaseTrainSpec, TeamSpec, TrainTemplateSpec};
use crate::yaml::Span;

/// Records by the subject they name: (kind, name) → the records, in catalog order.
pub type BySubject<'a, S> = foldhash::HashMap<(&'a str, &'a str), Vec<Item<'a, S>>>;

/// An object of kind `S` and the document it came from.
pub struct Item<'a, S> {
    pub manifest: &'a Manifest<S>,
    pub document: &'a Document,
}

impl<S> Clone for Item<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<S> Copy for Item<'_, S> {}

impl<'a, S> Item<'a, S> {
    pub fn name(&self) -> &'a str {
        self.manifest.name()
    }

    pub fn path(&self) -> &'a str {
        &self.document.path
    }

    /// The span of the node at `pointer` (a JSON pointer into the document), or of the
    /// deepest node on the way there.
    pub fn span(&self, pointer: &str) -> Span {
        self.document.root().locate(pointer).node.span
    }

    /// An error located at `pointer` in this object's document.
    pub fn error(&self, code: Code, pointer: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(code, self.path(), Some(self.span(pointer)), message)
    }
}

/// Every object of a repository, by kind and name.
pub struct Catalog<'a> {
    pub settings: &'a Settings,
    documents: &'a [Document],
    /// (kind, name) → the document that defines it (the first, when a name is used twice).
    index: foldhash::HashMap<(Kind, &'a str), usize>,
    /// Per kind (in [`Kind::ALL`]'s order), its names sorted, each with its document.
    sorted: Vec<Vec<(&'a str, usize)>>,
    /// member id → the teams it belongs to.
    members: BTreeMap<&'a str, Vec<&'a str>>,
    /// lowercased email → member id (the first member that lists it).
    emails: BTreeMap<String, &'a str>,
}

/// A kind's place in [`Kind::ALL`].
fn slot(kind: Kind) -> usize {
    Kind::ALL.iter().position(|&k| k == kind).unwrap_or(0)
}

impl<'a> Catalog<'a> {
    /// Indexes `documents`; a name defined twice in one kind is a `duplicate-name` error.
    pub fn build(
        settings: &'a Settings,
        documents: &'a [Document],
    ) -> (Catalog<'a>, Vec<Diagnostic>) {
        let mut sorted: Vec<Vec<(&str, usize)>> = vec![Vec::new(); Kind::ALL.len()];
        for (i, document) in documents.iter().enumerate() {
            if let (Some(kind), Some(name)) = (document.kind, document.name.as_deref()) {
                sorted[slot(kind)].push((name, i));
            }
        }
        // Sorted by name, documents in order within a name (a stable sort: files come in
        // path order, so names mostly do too): the first of a name defines it, the others
        // are duplicates of it.
        let mut duplicates: Vec<(usize, usize)> = Vec::new();
        let mut index: foldhash::HashMap<(Kind, &str), usize> =
            foldhash::HashMap::with_capacity_and_hasher(documents.len(), Default::default());
        for (names, &kind) in sorted.iter_mut().zip(Kind::ALL) {
            names.sort_by(|a, b| a.0.cmp(b.0));
            names.dedup_by(|again, first| {
                let same = again.0 == first.0;
                if same {
                    duplicates.push((again.1, first.1));
                }
                same
            });
            index.extend(names.iter().map(|&(name, i)| ((kind, name), i)));
        }
        duplicates.sort_unstable();
        let diagnostics = duplicates
            .into_iter()
            .map(|(again, first)| {
                let span = |d: &Document| d.root().locate("/metadata/name").node.span;
                let (document, first_doc) = (&documents[again], &documents[first]);
                let (kind, name) = (
                    document.kind.unwrap_or(Kind::Config),
                    document.name.as_deref().unwrap_or_default(),
                );
                Diagnostic::error(
                    Code::DuplicateName,
                    &document.path,
                    Some(span(document)),
                    format!("{kind} `{name}` is defined twice"),
                )
                .with_label("defined again here")
                .with_related(&first_doc.path, span(first_doc), "first defined here")
                .with_hint("names are unique per kind; rename one of them (this one is ignored)")
            })
            .collect();
        let mut catalog = Catalog {
            settings,
            documents,
            index,
            sorted,
            members: BTreeMap::new(),
            emails: BTreeMap::new(),
        };
        let mut members: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        let mut emails: BTreeMap<String, &str> = BTreeMap::new();
        for team in catalog.all::<TeamSpec>() {
            for member in &team.manifest.spec.members {
                members
                    .entry(member.id.as_str())
                    .or_default()
                    .push(team.name());
                for email in &member.emails {
                    emails
                        .entry(email.to_lowercase())
                        .or_insert(member.id.as_str());
                }
            }
        }
        catalog.members = members;
        catalog.emails = emails;
        (catalog, diagnostics)
    }

    /// The object `name` of kind `S`, when it exists and is valid.
    pub fn get<S: KindSpec>(&self, name: &str) -> Option<Item<'a, S>> {
        let document = &self.documents[*self.index.get(&(S::KIND, name))?];
        let manifest = S::cast(document.object.as_ref()?)?;
        Some(Item { manifest, document })
    }

    /// Every valid object of kind `S`, by name.
    pub fn all<S: KindSpec>(&self) -> impl Iterator<Item = Item<'a, S>> + '_ {
        self.sorted[slot(S::KIND)].iter().filter_map(|&(_, i)| {
            let document = &self.documents[i];
            let manifest = S::cast(document.object.as_ref()?)?;
            Some(Item { manifest, document })
        })
    }

    /// Every valid record of kind `S` (approvals, task reports) by the subject it names,
    /// (kind, name), in catalog order.
    pub fn by_subject<S: KindSpec>(
        &self,
        subject: fn(&S) -> &crate::manifest::ObjectRef,
    ) -> BySubject<'a, S> {
        let mut by: BySubject<'a, S> =
            BySubject::with_capacity_and_hasher(self.count(S::KIND), Default::default());
        for item in self.all::<S>() {
            let named = subject(&item.manifest.spec);
            by.entry((named.kind.as_str(), named.name.as_str()))
                .or_default()
                .push(item);
        }
        by
    }

    /// True when an object `kind/name` is defined, valid or not (an invalid object is
    /// reported where it stands, not again at every reference to it).
    pub fn exists(&self, kind: Kind, name: &str) -> bool {
        self.index.contains_key(&(kind, name))
    }

    /// How many names `kind` has.
    pub fn count(&self, kind: Kind) -> usize {
        self.sorted[slot(kind)].len()
    }

    /// The names defined for `kind`, sorted: candidates for "did you mean".
    pub fn names(&self, kind: Kind) -> Vec<&'a str> {
        self.sorted[slot(kind)]
            .iter()
            .map(|&(name, _)| name)
            .collect()
    }

    /// The teams a member belongs to (empty when the member id is unknown).
    pub fn teams_of(&self, member: &str) -> &[&'a str] {
        self.members.get(member).map_or(&[], Vec::as_slice)
    }

    /// A train's spec with its template's fields filled in where the train sets none.
    pub fn train_spec(&self, train: &Manifest<ReleaseTrainSpec>) -> ReleaseTrainSpec {
        match train
            .spec
            .template
            .as_ref()
            .and_then(|t| self.get::<TrainTemplateSpec>(t.as_str()))
        {
            Some(template) => train.spec.with_template(&template.manifest.spec),
            None => train.spec.clone(),
        }
    }

    /// The member a git author email belongs to.
    pub fn member_by_email(&self, email: &str) -> Option<&'a str> {
        self.emails.get(&email.to_lowercase()).copied()
    }

    /// The valid application releases that ride train `train`, by name.
    pub fn releases_of_train(&self, train: &str) -> Vec<&'a str> {
        self.all::<crate::manifest::ApplicationReleaseSpec>()
            .filter(|r| {
                r.manifest
                    .spec
                    .train
                    .as_ref()
                    .is_some_and(|t| t.as_str() == train)
            })
            .map(|r| r.name())
            .collect()
    }

    /// Every member that lists `email` (a repository that validates has at most one: two
    /// members sharing an email is a `duplicate-id` error), sorted.
    pub fn members_with_email(&self, email: &str) -> Vec<&'a str> {
        // Compared as the email index compares them: lowercased.
        let email = email.to_lowercase();
        let mut found: Vec<&'a str> = self
            .all::<TeamSpec>()
            .flat_map(|team| team.manifest.spec.members.iter())
            .filter(|m| m.emails.iter().any(|e| e.to_lowercase() == email))
            .map(|m| m.id.as_str())
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    /// True when `member` belongs to `team`.
    pub fn in_team(&self, member: &str, team: &str) -> bool {
        self.teams_of(member).contains(&team)
    }

    /// The documents behind the catalog.
    pub fn documents(&self) -> &'a [Document] {
        self.documents
    }

    /// The document of `kind/name`, valid or not.
    pub fn document(&self, kind: Kind, name: &str) -> Option<&'a Document> {
        self.index.get(&(kind, name)).map(|&i| &self.documents[i])
    }

    /// Every member id, sorted.
    pub fn member_ids(&self) -> Vec<&'a str> {
        self.members.keys().copied().collect()
    }
}
