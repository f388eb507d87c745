//! Every analysis' partial in the store: one row per object × analysis in `partials` (the
//! analysis' own mergeable partial of each minute the object touched, serialised with
//! MessagePack and compressed together), and one row per object × minute in `minutes` (the
//! extent of the minute's requests and the requests `[exclude]` left out).
//!
//! An analysis is kept at the finest resolution its answers need: its over-time buckets one
//! minute wide (an answer's bucket, any whole number of minutes, adds them up), every option
//! that only shapes the finish (`--top`, `--bucket`, `--slow`, `--4xx`) left to the answer.
//! An option that changes what is folded has one partial per value (`latency --field`: four
//! keys), or is kept for one value and refused for others ([`FromStore::refused`]:
//! `retries --client-timeout`, `gate --max-findings`). An answer decodes the window's minutes, merges them with the analysis' own merge
//! into a partial of the asked settings, and finishes it: the numbers a raw read gives.
//!
//! Adding an analysis is one place: a line in [`registry`] and its [`FromStore`] key (its
//! partial must be `serde`), the key under its name in [`KEEP_NAMES`], and in [`KINDS_ADDED`]
//! (a store collected before it holds none of it: answers from it are refused,
//! [`check_kind`]).
//!
//! Which analyses a store keeps is chosen per use ([`Keep`]: `[store] keep`, `collect
//! --keep`); the store's `kinds` setting says what EVERY object holds (a collect keeping less
//! narrows it, [`record_kinds`]), and an answer needing a kind not held by every object is
//! refused, never answered from part of them.
//!
//! A window that starts or ends inside a minute is answered exactly when no object holds
//! requests of that minute on both sides of the edge (the minute's first and last request
//! times are kept); otherwise it is refused, never rounded.

use std::any::Any;
use std::collections::BTreeMap;

use rusqlite::{params, OptionalExtension};

use super::{Store, StoreError};
use crate::engine::{Analysis, Finish, Seen};
use crate::format::{Request, Role, RoleSet};
use crate::metrics::audit::AuditKept;
use crate::metrics::backends::Backends;
use crate::metrics::buckets::BucketPlan;
use crate::metrics::daily::StatusClassesOverTime;
use crate::metrics::edge::Edge;
use crate::metrics::errors::{Errors, ErrorsConfig};
use crate::metrics::gate::{Gate, GateConfig};
use crate::metrics::latency::{Latency, LatencyConfig, LatencyField};
use crate::metrics::retries::{Retries, RetriesConfig};
use crate::metrics::security::{Security, Settings as SecuritySettings, Severity};
use crate::metrics::slo::SloConfig;
use crate::metrics::traffic::{cap_tops, Traffic, TrafficPartial, STORE_TOP_CAP};
use crate::window::Window;

const MIN: i64 = 60_000_000;

/// The most one object's partials of one analysis may inflate to (a damaged blob stops here).
pub(crate) const MAX_INFLATE: u64 = 1 << 30;

/// An analysis that answers from the store: the key its partials are kept under.
pub trait FromStore: Analysis
where
    Self::Partial: serde::de::DeserializeOwned,
{
    fn store_key(&self) -> &'static str;
    /// What the store keeps of a minute's partial (default: all of it).
    fn keep(&self, _minute: &mut Self::Partial) {}
    /// Why the store cannot answer these settings (an option that changes the fold, kept
    /// for one value only), if it cannot.
    fn refused(&self) -> Option<String> {
        None
    }
    /// The SLO settings its partial depends on (checked against the store's, as `slo` is).
    fn slo(&self) -> Option<SloConfig> {
        None
    }
    /// Checks the store's settings its partial depends on besides the kept fingerprint's.
    fn check(&self, _store: &Store) -> Result<(), StoreError> {
        Ok(())
    }
}

impl FromStore for Latency {
    fn store_key(&self) -> &'static str {
        latency_key(self.config.field)
    }
}

impl FromStore for Errors {
    fn store_key(&self) -> &'static str {
        "errors"
    }
}

impl FromStore for Backends {
    fn store_key(&self) -> &'static str {
        "backends"
    }
}

impl FromStore for Traffic {
    fn store_key(&self) -> &'static str {
        "traffic"
    }

    fn keep(&self, minute: &mut TrafficPartial) {
        cap_tops(minute, STORE_TOP_CAP);
    }
}

/// `retries --client-timeout` decides, per request, whether it waited too long: the store
/// keeps the default's count only.
const RETRIES_CLIENT_TIMEOUT_MS: f64 = 30_000.0;

impl FromStore for Retries {
    fn store_key(&self) -> &'static str {
        "retries"
    }

    fn refused(&self) -> Option<String> {
        (self.config.client_timeout_ms != RETRIES_CLIENT_TIMEOUT_MS).then(|| {
            "the store counts over_client_timeout at the default --client-timeout 30s: drop --client-timeout, or add --no-store".to_string()
        })
    }
}

impl FromStore for Gate {
    fn store_key(&self) -> &'static str {
        "gate"
    }

    fn refused(&self) -> Option<String> {
        // --max-findings: the security state is loaded from `security`'s partials apart
        // (`cli::gate`)
        // the kept gate partial holds the first SLO's counts only
        (!self.gate.named.is_empty()).then(|| {
            "the store keeps the first SLO's counts only: --slo NAME=TARGET reads the logs (add --no-store)"
                .to_string()
        })
    }

    fn slo(&self) -> Option<SloConfig> {
        Some(self.slo)
    }
}

/// `security`: its per-client state of every request, kept with every rule's parts (the
/// answer's `--rule` reads the ones it runs) and no baseline (a minute is a client's state
/// whatever the window: the baseline period is loaded from the store apart and made the
/// answer's `before`, see `cli::store::security`). What it keeps depends on the
/// `[security]` settings the fold reads ([`SecuritySettings::fold_fingerprint`]), checked
/// apart from the other analyses' ([`check_security_settings`]).
impl FromStore for Security {
    fn store_key(&self) -> &'static str {
        SECURITY_KEY
    }

    fn check(&self, store: &Store) -> Result<(), StoreError> {
        check_security_settings(store, &self.settings.fold_fingerprint())
    }
}

/// The store's setting that holds [`SecuritySettings::fold_fingerprint`].
pub const SECURITY_SETTING: &str = "security";

/// Checks that the store's security state was kept with `fingerprint` (the `[security]`
/// settings the fold reads), before a collect adds to it or an answer reads it. A store
/// with objects and no such setting was collected before the store kept security state.
pub fn check_security_settings(store: &Store, fingerprint: &str) -> Result<(), StoreError> {
    match store.setting(SECURITY_SETTING)? {
        Some(f) if f == fingerprint => Ok(()),
        Some(f) => Err(StoreError::Settings {
            path: store.dir.display().to_string(),
            stored: format!("the [security] settings {f}"),
            asked: format!("{fingerprint} (the [security] settings, with --evidence)"),
        }),
        None => {
            if objects(store)? == 0 {
                return Ok(());
            }
            // a store whose objects keep no security state says so ([`check_kind`])
            check_kind(store, SECURITY_KEY)?;
            Err(StoreError::Unsupported {
                path: store.dir.display().to_string(),
                reason: "its objects were collected before the store kept security state; `hosp-logs store rebuild` collects them again with it (or add --no-store)".into(),
            })
        }
    }
}

/// `audit`: every client's counts and the write requests' rows (see [`AuditKept`]); what
/// the asked filters need beyond those is refused ([`AuditKept::refused`]).
impl FromStore for AuditKept {
    fn store_key(&self) -> &'static str {
        AUDIT_KEY
    }

    fn refused(&self) -> Option<String> {
        AuditKept::refused(self)
    }
}

/// The report's requests by status class over time.
impl FromStore for StatusClassesOverTime {
    fn store_key(&self) -> &'static str {
        STATUS_CLASSES_KEY
    }
}

const AUDIT_KEY: &str = "audit";
const SECURITY_KEY: &str = "security";
const STATUS_CLASSES_KEY: &str = "status_classes";

/// The store's setting that lists the partial kinds every object of it holds (a kind added
/// since some of them were collected, or not kept by some collect's `keep`, is missing).
pub const KINDS_SETTING: &str = "kinds";

/// The kinds added after the first stores were written: a store with objects and no
/// [`KINDS_SETTING`] holds every other kind of the registry.
const KINDS_ADDED: [&str; 2] = [AUDIT_KEY, STATUS_CLASSES_KEY];

/// The analyses a store can keep, as users name them (`[store] keep`, `collect --keep`), with
/// their keys in the [`registry`]: every registry key is under exactly one name.
pub const KEEP_NAMES: [(&str, &[&str]); 10] = [
    (
        "latency",
        &[
            "latency.total",
            "latency.request",
            "latency.target",
            "latency.response",
        ],
    ),
    ("errors", &["errors"]),
    ("backends", &["backends"]),
    ("traffic", &["traffic"]),
    ("edge", &["edge"]),
    ("retries", &["retries"]),
    ("gate", &["gate"]),
    ("security", &[SECURITY_KEY]),
    ("audit", &[AUDIT_KEY]),
    ("report", &[STATUS_CLASSES_KEY]),
];

/// Every key of the [`registry`].
fn all_keys() -> impl Iterator<Item = &'static str> {
    KEEP_NAMES.iter().flat_map(|(_, keys)| keys.iter().copied())
}

/// The name users know a registry key by (`latency.total`: `latency`).
pub fn keep_name(key: &str) -> &'static str {
    KEEP_NAMES
        .iter()
        .find(|(_, keys)| keys.contains(&key))
        .map_or("slo", |(name, _)| name)
}

/// The names of `keys` as `[store] keep` lists them: `slo` (always kept) first, then every
/// name all of whose keys are in `keys`.
pub fn keep_names<'a>(keys: impl IntoIterator<Item = &'a str>) -> Vec<&'static str> {
    let keys: std::collections::BTreeSet<&str> = keys.into_iter().collect();
    std::iter::once("slo")
        .chain(
            KEEP_NAMES
                .iter()
                .filter(|(_, ks)| ks.iter().all(|k| keys.contains(k)))
                .map(|(name, _)| *name),
        )
        .collect()
}

/// Which analyses' partials a collect keeps besides the SLO counts and the minutes' extents
/// (always kept): `[store] keep`, `collect --keep`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keep {
    keys: std::collections::BTreeSet<&'static str>,
}

impl Default for Keep {
    fn default() -> Keep {
        Keep::all()
    }
}

impl Keep {
    /// Every analysis (the default).
    pub fn all() -> Keep {
        Keep {
            keys: all_keys().collect(),
        }
    }

    /// From the names users know: `all`, `slo` (the SLO counts only) or any of
    /// [`KEEP_NAMES`]; an unknown name is refused, naming it and the valid ones.
    pub fn parse<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Keep, String> {
        let mut keys = std::collections::BTreeSet::new();
        let mut any = false;
        for name in names {
            let name = name.trim();
            any = true;
            match name {
                "all" => keys.extend(all_keys()),
                "slo" => {}
                _ => match KEEP_NAMES.iter().find(|(n, _)| *n == name) {
                    Some((_, ks)) => keys.extend(ks.iter().copied()),
                    None => {
                        return Err(format!(
                            "{name:?} is not an analysis the store keeps; valid: all, slo, {}",
                            KEEP_NAMES.map(|(n, _)| n).join(", ")
                        ))
                    }
                },
            }
        }
        if !any {
            return Err(
                "an empty list: `slo` keeps the SLO counts only, `all` every analysis".into(),
            );
        }
        Ok(Keep { keys })
    }

    /// Whether the partials under registry key `key` are kept.
    pub fn keeps(&self, key: &str) -> bool {
        self.keys.contains(key)
    }

    /// As `[store] keep` lists it (`slo` first).
    pub fn names(&self) -> Vec<&'static str> {
        keep_names(self.keys.iter().copied())
    }
}

fn objects(store: &Store) -> Result<i64, StoreError> {
    store
        .conn
        .query_row("SELECT count(*) FROM objects", [], |r| r.get(0))
        .map_err(|e| store.sql(e))
}

/// The kinds every object of the store holds ([`KINDS_SETTING`]; a store with objects and
/// none recorded holds the registry's but [`KINDS_ADDED`]); None: an empty store.
pub fn held_kinds(store: &Store) -> Result<Option<Vec<String>>, StoreError> {
    if objects(store)? == 0 {
        return Ok(None);
    }
    Ok(Some(match store.setting(KINDS_SETTING)? {
        Some(k) => k
            .split(',')
            .filter(|k| !k.is_empty())
            .map(str::to_string)
            .collect(),
        None => all_keys()
            .filter(|k| !KINDS_ADDED.contains(k))
            .map(str::to_string)
            .collect(),
    }))
}

/// Records, before a collect adds objects whose partials are `kept` (registry keys), which
/// kinds every object of the store holds then: `kept` in an empty store, else those its
/// objects hold ([`held_kinds`]) that `kept` has too. Returns the kinds its objects held that
/// it no longer holds (a collect keeping less than the store did).
pub fn record_kinds(store: &Store, kept: &[&str]) -> Result<Vec<String>, StoreError> {
    let (kinds, dropped): (Vec<String>, Vec<String>) = match held_kinds(store)? {
        None => (kept.iter().map(|k| k.to_string()).collect(), Vec::new()),
        Some(held) => held.into_iter().partition(|k| kept.contains(&k.as_str())),
    };
    store.set_setting(KINDS_SETTING, &kinds.join(","))?;
    Ok(dropped)
}

/// Checks that every object of the store holds the partials kept under `key` (see
/// [`record_kinds`]): refused otherwise, with what to do.
pub fn check_kind(store: &Store, key: &str) -> Result<(), StoreError> {
    check_kinds(store, &[key], keep_name(key))
}

/// Checks that every object of the store holds the partials of every key of `keys`, which
/// `analysis` reads: refused otherwise, naming the analyses missing, what the store keeps and
/// what to do. An empty store is not refused (it answers nothing).
pub fn check_kinds(store: &Store, keys: &[&str], analysis: &str) -> Result<(), StoreError> {
    let Some(held) = held_kinds(store)? else {
        return Ok(());
    };
    let missing: Vec<&str> = keys
        .iter()
        .copied()
        .filter(|k| !held.iter().any(|h| h == k))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let keeps = keep_names(held.iter().map(String::as_str));
    let mut names: Vec<&'static str> = Vec::new();
    for k in &missing {
        let n = keep_name(k);
        if !names.contains(&n) {
            names.push(n);
        }
    }
    let quoted: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
    let mut asked = keeps.clone();
    asked.extend(names.iter().copied());
    let why = if store.setting(KINDS_SETTING)?.is_none() {
        "some of its objects were collected before the store kept them".to_string()
    } else {
        format!(
            "not every object of it holds them (every object holds: {})",
            keeps.join(", ")
        )
    };
    Err(StoreError::Unsupported {
        path: store.dir.display().to_string(),
        reason: format!(
            "{analysis} reads the {} partials, and {why}: `hosp-logs store rebuild --keep {}` collects the sources again with them kept (--source, or the config's), or add --no-store",
            quoted.join(", "),
            asked.join(",")
        ),
    })
}

impl FromStore for Edge {
    fn store_key(&self) -> &'static str {
        "edge"
    }
}

fn latency_key(field: LatencyField) -> &'static str {
    match field {
        LatencyField::Total => "latency.total",
        LatencyField::Request => "latency.request",
        LatencyField::Target => "latency.target",
        LatencyField::Response => "latency.response",
    }
}

/// Every analysis the store keeps, at its finest resolution (`slo`: the SLO settings the
/// store is collected with).
pub fn registry(slo: SloConfig, security: &SecuritySettings) -> Vec<Box<dyn KeptDyn>> {
    let minute = BucketPlan::Fixed(MIN);
    let mut out: Vec<Box<dyn KeptDyn>> = Vec::new();
    for field in [
        LatencyField::Total,
        LatencyField::Request,
        LatencyField::Target,
        LatencyField::Response,
    ] {
        out.push(kept(Latency {
            config: LatencyConfig { field, top: 0 },
            plan: minute,
        }));
    }
    out.push(kept(Errors {
        config: ErrorsConfig {
            include_4xx: true,
            slow_ms: 1000.0,
            top: 0,
        },
        plan: minute,
    }));
    out.push(kept(Backends { plan: minute }));
    out.push(kept(Traffic {
        top: 0,
        plan: minute,
    }));
    out.push(kept(Edge {
        top: 0,
        plan: minute,
    }));
    out.push(kept(Gate {
        // every check but the findings: the latency of the valid requests is kept
        gate: GateConfig {
            max_p99_ms: Some(0.0),
            ..GateConfig::default()
        },
        slo,
        // the named SLOs (`--slo NAME=TARGET`) are not kept: refused above
        named: crate::metrics::slos::Slos::new(Vec::new()),
        security: Security::overall(Default::default(), Severity::Info, None),
    }));
    // every rule, no baseline: see `impl FromStore for Security`
    out.push(kept(Security::overall(
        security.clone(),
        Severity::Info,
        None,
    )));
    out.push(kept(Retries {
        config: RetriesConfig {
            client_timeout_ms: RETRIES_CLIENT_TIMEOUT_MS,
            top: 0,
        },
        plan: minute,
    }));
    out.push(kept(AuditKept::default()));
    out.push(kept(StatusClassesOverTime { plan: minute }));
    out
}

fn kept<A>(analysis: A) -> Box<dyn KeptDyn>
where
    A: FromStore + Send + 'static,
    A::Partial: serde::Serialize + serde::de::DeserializeOwned + 'static,
{
    Box::new(Kept(analysis))
}

/// One kept analysis, with its partial type erased: what a collect folds.
pub trait KeptDyn: Sync + Send {
    fn key(&self) -> &'static str;
    /// The roles without which it does not run (an object whose format lacks one keeps no
    /// partial of it: an answer over that format is refused as a raw read is).
    fn required(&self) -> RoleSet;
    /// Whether a format with `roles` has every role it requires: what decides both whether a
    /// collect folds it ([`KeptSet::for_roles`]) and whether its partial is kept ([`rows`]).
    fn runs_on(&self, roles: RoleSet) -> bool {
        self.required().minus(roles).is_empty()
    }
    /// The roles it reads (required or optional: a collect reads whatever each format has).
    fn roles(&self) -> RoleSet;
    fn excludes(&self) -> bool;
    /// Its partials per minute (empty).
    fn part(&self) -> Box<dyn Any + Send>;
    /// Folds `batch`, whose runs of one minute are `runs` (minute, start, end).
    fn fold(
        &self,
        part: &mut (dyn Any + Send),
        batch: &[Request<'_>],
        runs: &[(i64, usize, usize)],
    );
    fn merge(&self, into: &mut (dyn Any + Send), from: Box<dyn Any + Send>);
    /// The partials of every minute, serialised and compressed (see [`encode`]).
    fn encode(&self, part: Box<dyn Any + Send>) -> Result<Vec<u8>, String>;
}

struct Kept<A>(A);

type PerMinute<P> = BTreeMap<i64, P>;

impl<A> KeptDyn for Kept<A>
where
    A: FromStore + Send,
    A::Partial: serde::Serialize + serde::de::DeserializeOwned + 'static,
{
    fn key(&self) -> &'static str {
        self.0.store_key()
    }

    fn required(&self) -> RoleSet {
        self.0.required()
    }

    fn roles(&self) -> RoleSet {
        self.0.required().union(self.0.optional())
    }

    fn excludes(&self) -> bool {
        self.0.excludes()
    }

    fn part(&self) -> Box<dyn Any + Send> {
        Box::new(PerMinute::<A::Partial>::new())
    }

    fn fold(
        &self,
        part: &mut (dyn Any + Send),
        batch: &[Request<'_>],
        runs: &[(i64, usize, usize)],
    ) {
        let Some(map) = part.downcast_mut::<PerMinute<A::Partial>>() else {
            return;
        };
        for &(minute, a, b) in runs {
            let p = map.entry(minute).or_insert_with(|| self.0.partial());
            self.0.fold(p, &batch[a..b]);
        }
    }

    fn merge(&self, into: &mut (dyn Any + Send), from: Box<dyn Any + Send>) {
        let (Some(into), Ok(from)) = (
            into.downcast_mut::<PerMinute<A::Partial>>(),
            from.downcast::<PerMinute<A::Partial>>(),
        ) else {
            return;
        };
        for (m, p) in *from {
            match into.entry(m) {
                std::collections::btree_map::Entry::Occupied(mut e) => self.0.merge(e.get_mut(), p),
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(p);
                }
            }
        }
    }

    fn encode(&self, part: Box<dyn Any + Send>) -> Result<Vec<u8>, String> {
        let mut map = part
            .downcast::<PerMinute<A::Partial>>()
            .map_err(|_| "a partial of another analysis".to_string())?;
        for p in map.values_mut() {
            self.0.keep(p);
        }
        encode(&*map)
    }
}

/// A minute of one object: the extent of its requests (every one, `[exclude]`d included),
/// the extent of those not excluded, and how many were excluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinuteExtent {
    pub minute: i64,
    pub first_us: i64,
    pub last_us: i64,
    pub seen: Seen,
    pub requests: u64,
}

/// The collect's analysis: every kept analysis folded per minute, with each minute's extent.
pub struct KeptSet {
    pub kept: Vec<Box<dyn KeptDyn>>,
}

pub struct KeptPartial {
    pub extents: BTreeMap<i64, MinuteExtent>,
    pub parts: Vec<Box<dyn Any + Send>>,
}

impl Analysis for KeptSet {
    type Partial = KeptPartial;
    type Report = KeptPartial;

    fn name(&self) -> &'static str {
        "collect"
    }

    fn required(&self) -> RoleSet {
        RoleSet::of(&[Role::Time])
    }

    fn optional(&self) -> RoleSet {
        self.kept
            .iter()
            .fold(RoleSet::EMPTY, |r, k| r.union(k.roles()))
    }

    fn partial(&self) -> KeptPartial {
        KeptPartial {
            extents: BTreeMap::new(),
            parts: self.kept.iter().map(|k| k.part()).collect(),
        }
    }

    fn fold(&self, p: &mut KeptPartial, batch: &[Request<'_>]) {
        self.fold_where(p, batch, |_| true);
    }

    fn merge(&self, into: &mut KeptPartial, from: KeptPartial) {
        for (m, e) in from.extents {
            match into.extents.entry(m) {
                std::collections::btree_map::Entry::Occupied(mut o) => {
                    let o = o.get_mut();
                    o.first_us = o.first_us.min(e.first_us);
                    o.last_us = o.last_us.max(e.last_us);
                    o.requests += e.requests;
                    o.seen.merge(e.seen);
                }
                std::collections::btree_map::Entry::Vacant(v) => {
                    v.insert(e);
                }
            }
        }
        for ((k, a), b) in self.kept.iter().zip(into.parts.iter_mut()).zip(from.parts) {
            k.merge(a.as_mut(), b);
        }
    }

    fn finish(&self, p: KeptPartial, _end: &Finish) -> KeptPartial {
        p
    }
}

impl KeptSet {
    /// The set as it folds the requests of a format that has `roles`: the analyses it lacks
    /// a required role of are not folded (their partials are not kept, see [`rows`]).
    pub fn for_roles(&self, roles: RoleSet) -> ForRoles<'_> {
        ForRoles { set: self, roles }
    }

    /// Folds `batch` into each minute's extent and into the partials of the analyses `fold`
    /// says.
    fn fold_where(
        &self,
        p: &mut KeptPartial,
        batch: &[Request<'_>],
        fold: impl Fn(&dyn KeptDyn) -> bool,
    ) {
        let mut runs: Vec<(i64, usize, usize)> = Vec::new();
        let mut i = 0;
        while i < batch.len() {
            let m = batch[i].time_us.div_euclid(MIN);
            let mut j = i + 1;
            while j < batch.len() && batch[j].time_us.div_euclid(MIN) == m {
                j += 1;
            }
            let e = p.extents.entry(m).or_insert(MinuteExtent {
                minute: m,
                first_us: i64::MAX,
                last_us: i64::MIN,
                seen: Seen::default(),
                requests: 0,
            });
            for r in &batch[i..j] {
                e.first_us = e.first_us.min(r.time_us);
                e.last_us = e.last_us.max(r.time_us);
                e.requests += 1;
                if r.excluded {
                    e.seen.excluded += 1;
                } else {
                    e.seen.merge(Seen {
                        excluded: 0,
                        first_us: Some(r.time_us),
                        last_us: Some(r.time_us),
                    });
                }
            }
            runs.push((m, i, j));
            i = j;
        }
        for (k, part) in self.kept.iter().zip(p.parts.iter_mut()) {
            if fold(k.as_ref()) {
                k.fold(part.as_mut(), batch, &runs);
            }
        }
    }
}

/// A [`KeptSet`] folding the requests of a format that has `roles` only into the analyses
/// whose required roles it has ([`KeptSet::for_roles`]): the others' partials would be
/// thrown away by [`rows`].
pub struct ForRoles<'a> {
    set: &'a KeptSet,
    roles: RoleSet,
}

impl Analysis for ForRoles<'_> {
    type Partial = KeptPartial;
    type Report = KeptPartial;

    fn name(&self) -> &'static str {
        self.set.name()
    }

    fn required(&self) -> RoleSet {
        self.set.required()
    }

    fn optional(&self) -> RoleSet {
        self.set.optional()
    }

    fn partial(&self) -> KeptPartial {
        self.set.partial()
    }

    fn fold(&self, p: &mut KeptPartial, batch: &[Request<'_>]) {
        self.set.fold_where(p, batch, |k| k.runs_on(self.roles));
    }

    fn merge(&self, into: &mut KeptPartial, from: KeptPartial) {
        self.set.merge(into, from)
    }

    fn finish(&self, p: KeptPartial, end: &Finish) -> KeptPartial {
        self.set.finish(p, end)
    }
}

/// An object's partials of one analysis, every minute: MessagePack, compressed: its row in
/// `partials` until a compaction moves it, inflated, into its hour's pack ([`super::pack`]),
/// where the keys (endpoints, target groups) and latencies that repeat from minute to minute
/// and object to object are compressed once.
fn encode<P: serde::Serialize>(minutes: &PerMinute<P>) -> Result<Vec<u8>, String> {
    let raw = rmp_serde::to_vec(minutes).map_err(|e| e.to_string())?;
    // the fastest level: the row waits for the next compaction only (which packs it at 3)
    super::pack::compress(&raw, super::pack::WAITING_LEVEL)
}

/// An object's rows, ready to write.
#[derive(Default)]
pub struct Rows {
    pub extents: Vec<MinuteExtent>,
    /// (analysis key, its partials of every minute)
    pub partials: Vec<(&'static str, Vec<u8>)>,
}

/// The rows of a folded object whose format has `roles` (None: unknown, every analysis
/// kept).
pub fn rows(set: &KeptSet, p: KeptPartial, roles: Option<RoleSet>) -> Result<Rows, String> {
    let mut out = Rows {
        extents: p.extents.into_values().collect(),
        partials: Vec::new(),
    };
    for (k, part) in set.kept.iter().zip(p.parts) {
        if roles.is_some_and(|r| !k.runs_on(r)) {
            continue;
        }
        out.partials.push((k.key(), k.encode(part)?));
    }
    Ok(out)
}

/// Inserts an object's rows (inside the caller's transaction).
pub(crate) fn insert(
    tx: &rusqlite::Transaction<'_>,
    object_id: i64,
    rows: &Rows,
) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO minutes (object_id, minute, first_us, last_us, seen_first_us,
         seen_last_us, excluded, requests) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for e in &rows.extents {
        stmt.execute(params![
            object_id,
            e.minute,
            e.first_us,
            e.last_us,
            e.seen.first_us,
            e.seen.last_us,
            e.seen.excluded as i64,
            e.requests as i64,
        ])?;
    }
    let mut stmt =
        tx.prepare_cached("INSERT INTO partials (object_id, analysis, data) VALUES (?1, ?2, ?3)")?;
    for (key, blob) in &rows.partials {
        stmt.execute(params![object_id, key, blob])?;
    }
    Ok(())
}

/// What the kept partials depend on besides the analysis' own options: the `[exclude]`
/// rules and the `[routes]` templates (the endpoints' names).
pub fn fingerprint(
    user_agents: &[String],
    client_cidrs: &[String],
    templates: &[String],
) -> String {
    serde_json::json!({
        "exclude_user_agents": user_agents,
        "exclude_client_cidrs": client_cidrs,
        "route_templates": templates,
    })
    .to_string()
}

/// The analysis' partial over `window` from the store: every minute of the objects in
/// `format` (`only`: of these objects only) merged into `analysis`' own partial, with what
/// the requests' extent was (for the finish) and what was read.
pub fn load<A>(
    store: &Store,
    analysis: &A,
    format: &str,
    window: &Window,
    only: Option<&[i64]>,
) -> Result<(A::Partial, Seen, super::slo::Read), StoreError>
where
    A: FromStore,
    A::Partial: serde::de::DeserializeOwned,
{
    let scope = super::slo::scope(store, only)?;
    let from_min = window.since_us.map_or(i64::MIN, |s| s.div_euclid(MIN));
    let to_min = window
        .until_us
        .map_or(i64::MAX, |u| (u + MIN - 1).div_euclid(MIN));
    // the minutes of the window, object by object: whole minutes in, cut ones refused
    let mut stmt = store
        .conn
        .prepare(&format!(
            "SELECT m.object_id, m.minute, m.first_us, m.last_us, m.seen_first_us,
             m.seen_last_us, m.excluded
             FROM minutes m JOIN objects o ON o.id = m.object_id
             WHERE o.format = ?1 AND m.minute >= ?2 AND m.minute < ?3 AND {scope}"
        ))
        .map_err(|e| store.sql(e))?;
    let mut rows = stmt
        .query(params![format, from_min, to_min])
        .map_err(|e| store.sql(e))?;
    let mut seen = Seen::default();
    let mut wanted: BTreeMap<i64, std::collections::BTreeSet<i64>> = BTreeMap::new();
    while let Some(row) = rows.next().map_err(|e| store.sql(e))? {
        let get = |i| row.get::<_, Option<i64>>(i).map_err(|e| store.sql(e));
        let (object, minute) = (get(0)?.unwrap_or_default(), get(1)?.unwrap_or_default());
        let (first, last) = (get(2)?.unwrap_or_default(), get(3)?.unwrap_or_default());
        let (inside_first, inside_last) = (window.contains(first), window.contains(last));
        if !inside_first || !inside_last {
            // a minute the window's edge cuts: whole on one side, or refused
            if inside_first
                || inside_last
                || (window.since_us.is_some_and(|s| first < s)
                    && window.until_us.is_some_and(|u| last >= u))
            {
                return Err(StoreError::Unsupported {
                    path: store.dir.display().to_string(),
                    reason: format!(
                        "the window's edge falls inside the minute {} and the store keeps whole minutes: give --since/--until on a whole minute, or add --no-store",
                        super::minute_text(minute)
                    ),
                });
            }
            continue;
        }
        // an analysis that applies no [exclude] (audit) saw every request, as a raw read
        seen.merge(if analysis.excludes() {
            Seen {
                excluded: get(6)?.unwrap_or_default().max(0) as u64,
                first_us: get(4)?,
                last_us: get(5)?,
            }
        } else {
            Seen {
                excluded: 0,
                first_us: Some(first),
                last_us: Some(last),
            }
        });
        wanted.entry(object).or_default().insert(minute);
    }
    drop(rows);
    drop(stmt);
    // their partials: an object's row waiting in `partials`, else its member of its pack
    let key = analysis.store_key();
    let corrupt = |object: i64, e: String| StoreError::Corrupt {
        path: store.db_path(),
        reason: format!("partials: {key} of object {object}: {e}"),
    };
    let mut partial = analysis.partial();
    let mut merge_minutes = |object: i64, raw: &[u8]| -> Result<(), StoreError> {
        let per: PerMinute<A::Partial> =
            rmp_serde::from_slice(raw).map_err(|e| corrupt(object, e.to_string()))?;
        let minutes = &wanted[&object];
        for (m, p) in per {
            if minutes.contains(&m) {
                analysis.merge(&mut partial, p);
            }
        }
        Ok(())
    };
    let mut packed: BTreeMap<i64, std::collections::BTreeSet<i64>> = BTreeMap::new();
    {
        let mut waiting = store
            .conn
            .prepare_cached("SELECT data FROM partials WHERE object_id = ?1 AND analysis = ?2")
            .map_err(|e| store.sql(e))?;
        let mut first = store
            .conn
            .prepare_cached("SELECT first_minute FROM objects WHERE id = ?1")
            .map_err(|e| store.sql(e))?;
        for &object in wanted.keys() {
            let blob: Option<Vec<u8>> = waiting
                .query_row(params![object, key], |r| r.get(0))
                .optional()
                .map_err(|e| store.sql(e))?;
            if let Some(blob) = blob {
                let raw =
                    super::pack::inflate(&blob, MAX_INFLATE).map_err(|e| corrupt(object, e))?;
                merge_minutes(object, &raw)?;
                continue;
            }
            let m: Option<i64> = first
                .query_row([object], |r| r.get(0))
                .map_err(|e| store.sql(e))?;
            if let Some(m) = m {
                packed
                    .entry(super::pack::pack_of(m))
                    .or_default()
                    .insert(object);
            }
        }
    }
    // the analysis' family's pack of each hour: its own members of the wanted objects
    let family = super::pack::family(key);
    let mut stmt = store
        .conn
        .prepare_cached("SELECT data FROM packs WHERE hour = ?1 AND family = ?2")
        .map_err(|e| store.sql(e))?;
    for (hour, objects) in packed {
        let blob: Option<Vec<u8>> = stmt
            .query_row(params![hour, family], |r| r.get(0))
            .optional()
            .map_err(|e| store.sql(e))?;
        // a format without the analysis' roles keeps no partial of it
        let Some(blob) = blob else { continue };
        let members = super::pack::decode_where(&blob, MAX_INFLATE, |id, a| {
            a == key && objects.contains(&id)
        })
        .map_err(|e| StoreError::Corrupt {
            path: store.db_path(),
            reason: format!("{}: {e}", super::pack::describe(hour, family)),
        })?;
        for m in members {
            merge_minutes(m.object_id, &m.raw)?;
        }
    }
    let read = super::slo::read(store, format, from_min, to_min, scope)?;
    Ok((partial, seen, read))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::FormatId;

    const SLO: SloConfig = SloConfig {
        target: 0.99,
        latency_threshold_ms: None,
    };

    fn registry_keys() -> Vec<&'static str> {
        let mut keys: Vec<&str> = registry(SLO, &SecuritySettings::default())
            .iter()
            .map(|k| k.key())
            .collect();
        keys.sort();
        keys
    }

    #[test]
    fn every_registry_key_is_under_exactly_one_keep_name() {
        let mut named: Vec<&str> = all_keys().collect();
        named.sort();
        assert_eq!(named, registry_keys());
        named.dedup();
        assert_eq!(named.len(), registry_keys().len());
        assert_eq!(keep_name("latency.target"), "latency");
        assert_eq!(keep_name(STATUS_CLASSES_KEY), "report");
    }

    #[test]
    fn keep_names_parse_to_their_registry_keys() {
        let keep = Keep::parse(["slo", "latency"]).unwrap();
        for k in registry_keys() {
            assert_eq!(keep.keeps(k), k.starts_with("latency."), "{k}");
        }
        assert_eq!(keep.names(), ["slo", "latency"]);
        let slo = Keep::parse(["slo"]).unwrap();
        assert!(registry_keys().iter().all(|k| !slo.keeps(k)));
        assert_eq!(slo.names(), ["slo"]);
        assert_eq!(Keep::parse(["all"]).unwrap(), Keep::all());
        assert_eq!(Keep::parse(["report", "all"]).unwrap(), Keep::all());
        assert!(registry_keys().iter().all(|k| Keep::all().keeps(k)));
        assert_eq!(
            Keep::parse(["report", "edge"]).unwrap().names(),
            ["slo", "edge", "report"]
        );
        let err = Keep::parse(["latency", "latencies"]).unwrap_err();
        assert!(
            err.contains("\"latencies\"") && err.contains("security") && err.contains("all"),
            "{err}"
        );
        assert!(Keep::parse([]).is_err());
    }

    /// ALB lacks edge's and retries' required roles: their partials stay empty (never folded),
    /// while folding every analysis gives them minutes, and the others are folded either way.
    #[test]
    fn a_format_lacking_an_analysis_required_roles_does_not_fold_it() {
        let set = KeptSet {
            kept: registry(SLO, &SecuritySettings::default()),
        };
        let batch: Vec<Request<'_>> = (0..3)
            .map(|i| Request {
                time_us: 1_700_000_000_000_000 + i * 30_000_000,
                status: Some(200),
                latency_ms: Some(12.0),
                client_ip: Some("192.0.2.1"),
                method: Some("GET"),
                ..Request::default()
            })
            .collect();
        let alb = FormatId::Alb.roles();
        let (mut all, mut only) = (set.partial(), set.partial());
        set.fold(&mut all, &batch);
        let for_alb = set.for_roles(alb);
        for_alb.fold(&mut only, &batch);
        assert_eq!(all.extents, only.extents);
        assert_eq!(only.extents.len(), 2);
        let mut skipped = Vec::new();
        for ((k, a), o) in set.kept.iter().zip(all.parts).zip(only.parts) {
            let empty = k.encode(k.part()).unwrap();
            let (a, o) = (k.encode(a).unwrap(), k.encode(o).unwrap());
            assert_ne!(a, empty, "{}: folded when every analysis is", k.key());
            if k.required().minus(alb).is_empty() {
                // (the same partial: its bytes may differ, a hash map's order)
                assert_ne!(o, empty, "{}: not folded over ALB", k.key());
            } else {
                assert_eq!(o, empty, "{}: folded over ALB", k.key());
                skipped.push(k.key());
            }
        }
        assert_eq!(skipped, ["edge", "retries"]);
    }
}
