//! S3 GETs in flight, sized to the round trip: objects are downloaded ahead of the readers that
//! parse them, as many at once as the network rewards.
//!
//! ALB writes small objects (one per node per 5 minutes), so reading S3 is bound by round
//! trips, not bandwidth. The number of GETs in flight starts at [`START`] (or `--concurrency`
//! when lower), doubles each round (one round: as many completions as the limit) while the
//! objects' rate grows by a tenth or more and the requests were held back by the limit, and
//! halves on a throttling answer (503 SlowDown, 429; at most once per round trip), after which
//! it grows by an eighth a round only. `--concurrency` is the cap.
//!
//! Memory stays bounded: an object counts against the limit from its GET until a reader takes
//! it, and the bytes held (in flight and downloaded, not yet read) stay under [`BUDGET`] (one
//! larger object at a time may pass it alone). Objects larger than [`MAX_OBJECT`] are not
//! downloaded ahead: their reader streams them as before.
//!
//! GETs start while the listing goes on: the objects a listing found are queued as it pages
//! ([`Flight::queue_listed`]), before anyone knows which of them will be read. Such an entry
//! is provisional: the next [`Flight::queue`] adopts those it names, in its order, and
//! [`Flight::forget_listed`] drops the rest (a store's collect reads only its new objects).
//! Downloaded and unread, they count against the same limit and budget, so a listing never
//! downloads more than that ahead.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::Serialize;

/// GETs in flight at the start.
pub const START: usize = 32;
/// Bytes (compressed, as listed) held by the objects in flight and those downloaded but not
/// yet read.
pub const BUDGET: u64 = 256 << 20;
/// Larger objects are streamed by their reader, not downloaded ahead.
pub const MAX_OBJECT: u64 = 16 << 20;
/// The rate must grow by this factor for the limit to grow again.
const GAIN: f64 = 1.1;

/// What the requests in flight did (`input.objects.in_flight`).
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct InFlightStats {
    /// `--concurrency`: the most GETs ever in flight.
    pub cap: u64,
    /// The limit at the start, its highest and its last value.
    pub start: u64,
    pub peak_limit: u64,
    pub last_limit: u64,
    /// The most GETs that were in flight at once.
    pub peak: u64,
    /// Throttling answers (503 SlowDown, 429) met by the requests (the SDK retries them).
    pub throttled: u64,
    /// Times the limit was halved on throttling.
    pub backoffs: u64,
}

/// The limit on GETs in flight: grows while the rate grows, halves on throttling.
#[derive(Debug, Clone)]
pub struct Controller {
    limit: usize,
    cap: usize,
    /// Throttled at least once: growth is by an eighth, not a doubling.
    cautious: bool,
    round_start: Instant,
    round_done: usize,
    /// The requests waited for the limit during this round.
    blocked: bool,
    prev_rate: Option<f64>,
    /// Mean time of a GET (exponential average), for spacing the backoffs.
    latency: Duration,
    last_backoff: Option<Instant>,
    pub stats: InFlightStats,
}

impl Controller {
    pub fn new(cap: usize, now: Instant) -> Controller {
        let cap = cap.max(1);
        let limit = START.min(cap);
        Controller {
            limit,
            cap,
            cautious: false,
            round_start: now,
            round_done: 0,
            blocked: false,
            prev_rate: None,
            latency: Duration::ZERO,
            last_backoff: None,
            stats: InFlightStats {
                cap: cap as u64,
                start: limit as u64,
                peak_limit: limit as u64,
                last_limit: limit as u64,
                ..InFlightStats::default()
            },
        }
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    /// The requests are held back by the limit (there is work and no room).
    pub fn blocked(&mut self) {
        self.blocked = true;
    }

    /// Notes `in_flight` GETs running now.
    pub fn flying(&mut self, in_flight: usize) {
        self.stats.peak = self.stats.peak.max(in_flight as u64);
    }

    fn set(&mut self, limit: usize) {
        self.limit = limit.clamp(1, self.cap);
        self.stats.peak_limit = self.stats.peak_limit.max(self.limit as u64);
        self.stats.last_limit = self.limit as u64;
    }

    fn new_round(&mut self, now: Instant) {
        self.round_start = now;
        self.round_done = 0;
        self.blocked = false;
    }

    /// A GET finished (whatever its outcome) after `took`.
    pub fn done(&mut self, now: Instant, took: Duration) {
        self.latency = if self.latency.is_zero() {
            took
        } else {
            (self.latency * 7 + took) / 8
        };
        self.round_done += 1;
        if self.round_done < self.limit {
            return;
        }
        let secs = now.duration_since(self.round_start).as_secs_f64().max(1e-6);
        let rate = self.round_done as f64 / secs;
        if self.blocked {
            let grew = self.prev_rate.is_none_or(|p| rate >= p * GAIN);
            if grew && self.limit < self.cap {
                let next = if self.cautious {
                    self.limit + (self.limit / 8).max(1)
                } else {
                    self.limit * 2
                };
                self.set(next);
            }
            self.prev_rate = Some(rate);
        }
        self.new_round(now);
    }

    /// A request met throttling: the limit halves, at most once per mean GET time.
    pub fn throttled(&mut self, now: Instant) {
        self.stats.throttled += 1;
        let spacing = self.latency.max(Duration::from_millis(20));
        if self
            .last_backoff
            .is_some_and(|t| now.duration_since(t) < spacing)
        {
            return;
        }
        self.last_backoff = Some(now);
        self.cautious = true;
        self.stats.backoffs += 1;
        self.set(self.limit / 2);
        self.prev_rate = None;
        self.new_round(now);
    }
}

/// An object: bucket, key, ETag.
pub type ObjectKey = (String, String, String);

/// A downloaded object, or why its GET failed.
pub type Body = Result<Vec<u8>, String>;

enum Slot {
    Queued,
    Flying,
    Ready(Body),
}

struct Entry {
    slot: Slot,
    batch: u64,
    size: u64,
    /// Queued by a listing, not yet asked for by a read ([`Flight::queue_listed`]).
    listed: bool,
}

struct State {
    entries: HashMap<ObjectKey, Entry>,
    queue: VecDeque<ObjectKey>,
    in_flight: usize,
    ready: usize,
    held_bytes: u64,
    ctl: Controller,
    next_batch: u64,
    scheduler: bool,
}

/// Starts one GET; calls back [`Flight::landed`] when done.
pub type Starter = Arc<dyn Fn(ObjectKey, Arc<Flight>) + Send + Sync>;

/// The objects downloaded ahead of their readers, and the limit on GETs in flight.
pub struct Flight {
    state: Mutex<State>,
    cv: Condvar,
}

impl std::fmt::Debug for Flight {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Flight").finish_non_exhaustive()
    }
}

impl Flight {
    pub fn new(cap: usize) -> Arc<Flight> {
        Arc::new(Flight {
            state: Mutex::new(State {
                entries: HashMap::new(),
                queue: VecDeque::new(),
                in_flight: 0,
                ready: 0,
                held_bytes: 0,
                ctl: Controller::new(cap, Instant::now()),
                next_batch: 0,
                scheduler: false,
            }),
            cv: Condvar::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn stats(&self) -> InFlightStats {
        self.lock().ctl.stats
    }

    /// A throttling answer was seen (from the client's interceptor).
    pub fn throttled(&self) {
        self.lock().ctl.throttled(Instant::now());
        self.cv.notify_all();
    }

    /// Queues `objects` (key, size), in order, for download ahead; those already queued or
    /// held, and those larger than [`MAX_OBJECT`], are left alone, except the ones a listing
    /// queued ([`Flight::queue_listed`]): this read adopts them, and those still waiting move
    /// to their place in its order, ahead of what listings queued and no read adopted.
    /// Returns the batch, for [`Flight::forget`].
    pub fn queue(
        self: &Arc<Self>,
        objects: impl IntoIterator<Item = (ObjectKey, u64)>,
        start: &Starter,
    ) -> u64 {
        self.enqueue(objects, start, false)
    }

    /// Queues the objects a listing found (key, size), in order, while it goes on: they are
    /// downloaded ahead, within the same limit and budget, until a read adopts them
    /// ([`Flight::queue`]) or they are forgotten ([`Flight::forget_listed`]).
    pub fn queue_listed(
        self: &Arc<Self>,
        objects: impl IntoIterator<Item = (ObjectKey, u64)>,
        start: &Starter,
    ) {
        self.enqueue(objects, start, true);
    }

    fn enqueue(
        self: &Arc<Self>,
        objects: impl IntoIterator<Item = (ObjectKey, u64)>,
        start: &Starter,
        listed: bool,
    ) -> u64 {
        let mut st = self.lock();
        let batch = st.next_batch;
        st.next_batch += 1;
        let mut added = false;
        // listed entries this read adopts while they still wait: requeued in its order
        let mut moved: Vec<ObjectKey> = Vec::new();
        for (key, size) in objects {
            if size > MAX_OBJECT {
                continue;
            }
            if let Some(e) = st.entries.get_mut(&key) {
                if e.listed && !listed {
                    e.listed = false;
                    e.batch = batch;
                    if matches!(e.slot, Slot::Queued) {
                        moved.push(key);
                        added = true;
                    }
                }
                continue;
            }
            st.entries.insert(
                key.clone(),
                Entry {
                    slot: Slot::Queued,
                    batch,
                    size,
                    listed,
                },
            );
            if listed {
                st.queue.push_back(key);
            } else {
                moved.push(key);
            }
            added = true;
        }
        if !moved.is_empty() {
            // the earlier reads' objects, then this read's, then what listings queued and no
            // read adopted yet
            let s = &mut *st;
            let mine: std::collections::HashSet<&ObjectKey> = moved.iter().collect();
            let mut unread = VecDeque::new();
            let mut queue = VecDeque::with_capacity(s.queue.len());
            for k in s.queue.drain(..) {
                if mine.contains(&k) {
                    continue;
                }
                if s.entries.get(&k).is_some_and(|e| e.listed) {
                    unread.push_back(k);
                } else {
                    queue.push_back(k);
                }
            }
            queue.extend(moved.iter().cloned());
            queue.extend(unread);
            s.queue = queue;
        }
        if added && !st.scheduler {
            st.scheduler = true;
            let (me, start) = (Arc::clone(self), Arc::clone(start));
            std::thread::spawn(move || me.schedule(&start));
        }
        drop(st);
        self.cv.notify_all();
        batch
    }

    /// Drops what listings queued and no read adopted (see [`Flight::forget`]).
    pub fn forget_listed(&self) {
        self.forget_where(|e| e.listed);
    }

    /// Starts the queued GETs as the limit and the budget allow; ends when the queue is empty.
    fn schedule(self: Arc<Self>, start: &Starter) {
        let mut st = self.lock();
        loop {
            let Some(key) = st.queue.front().cloned() else {
                st.scheduler = false;
                return;
            };
            let size = match st.entries.get(&key) {
                Some(Entry {
                    slot: Slot::Queued,
                    size,
                    ..
                }) => *size,
                // taken over by its reader, or forgotten
                _ => {
                    st.queue.pop_front();
                    continue;
                }
            };
            let limit = st.ctl.limit();
            let room = st.in_flight < limit && st.ready < limit;
            let fits = st.held_bytes + size <= BUDGET || st.in_flight + st.ready == 0;
            if room && fits {
                st.queue.pop_front();
                if let Some(e) = st.entries.get_mut(&key) {
                    e.slot = Slot::Flying;
                }
                st.in_flight += 1;
                st.held_bytes += size;
                let n = st.in_flight;
                st.ctl.flying(n);
                drop(st);
                start(key, Arc::clone(&self));
                st = self.lock();
                continue;
            }
            if st.in_flight >= limit {
                st.ctl.blocked();
            }
            st = self
                .cv
                .wait_timeout(st, Duration::from_millis(100))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// A GET started by the scheduler finished after `took`.
    pub fn landed(&self, key: ObjectKey, body: Body, took: Duration) {
        let mut st = self.lock();
        st.in_flight -= 1;
        st.ctl.done(Instant::now(), took);
        let st = &mut *st;
        match st.entries.get_mut(&key) {
            Some(e) if matches!(e.slot, Slot::Flying) => {
                e.slot = Slot::Ready(body);
                st.ready += 1;
            }
            // forgotten while in flight (its bytes were let go then)
            _ => {}
        }
        self.cv.notify_all();
    }

    /// The object downloaded ahead, waiting for it while queued or in flight (the queue is in
    /// the readers' order); None when it was not queued, or when it waits behind downloads no
    /// reader took yet (the limit or the budget full of them): its reader then GETs it itself
    /// rather than wait for objects read later, or never.
    pub fn take(&self, key: &ObjectKey) -> Option<Body> {
        let mut st = self.lock();
        loop {
            match st.entries.get(key).map(|e| (&e.slot, e.size)) {
                None => return None,
                Some((Slot::Queued, size))
                    if st.ready > 0
                        && (st.ready >= st.ctl.limit() || st.held_bytes + size > BUDGET) =>
                {
                    // taken over: the scheduler skips it
                    st.entries.remove(key);
                    return None;
                }
                Some((Slot::Queued | Slot::Flying, _)) => {
                    st = self.cv.wait(st).unwrap_or_else(|e| e.into_inner());
                }
                Some((Slot::Ready(_), _)) => {
                    let e = st.entries.remove(key).expect("entry just seen");
                    st.ready -= 1;
                    st.held_bytes = st.held_bytes.saturating_sub(e.size);
                    drop(st);
                    self.cv.notify_all();
                    let Slot::Ready(body) = e.slot else {
                        unreachable!()
                    };
                    return Some(body);
                }
            }
        }
    }

    /// A GET its reader makes itself (an object not downloaded ahead): waits for room under
    /// the limit, and counts as in flight until the guard is dropped.
    pub fn direct(self: &Arc<Self>) -> Direct {
        let mut st = self.lock();
        while st.in_flight >= st.ctl.limit() {
            st = self.cv.wait(st).unwrap_or_else(|e| e.into_inner());
        }
        st.in_flight += 1;
        let n = st.in_flight;
        st.ctl.flying(n);
        Direct(Arc::clone(self))
    }

    /// Drops what `batch` queued and no reader took: queued objects are not fetched, those
    /// downloaded are freed, those in flight are dropped when they land.
    pub fn forget(&self, batch: u64) {
        self.forget_where(|e| e.batch == batch);
    }

    /// Drops everything queued or held (the client is gone).
    pub fn forget_all(&self) {
        self.forget_where(|_| true);
    }

    fn forget_where(&self, gone: impl Fn(&Entry) -> bool) {
        let mut st = self.lock();
        let st = &mut *st;
        let mut freed = 0;
        let mut ready = 0;
        st.entries.retain(|_, e| {
            if !gone(e) {
                return true;
            }
            match e.slot {
                Slot::Queued => {}
                Slot::Flying => freed += e.size,
                Slot::Ready(_) => {
                    ready += 1;
                    freed += e.size;
                }
            }
            false
        });
        st.ready -= ready;
        st.held_bytes = st.held_bytes.saturating_sub(freed);
        self.cv.notify_all();
    }
}

/// A GET made by its reader, in flight until dropped ([`Flight::direct`]).
pub struct Direct(Arc<Flight>);

impl Drop for Direct {
    fn drop(&mut self) {
        self.0.lock().in_flight -= 1;
        self.0.cv.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server that answers every GET after `rtt` and throttles above `max` in flight:
    /// drives the controller in simulated time, one round after another, with as many GETs
    /// as its limit each round. Returns the limit after each round.
    fn simulate(cap: usize, rounds: usize, throttle_above: Option<usize>) -> Vec<usize> {
        let rtt = Duration::from_millis(50);
        let mut now = Instant::now();
        let mut c = Controller::new(cap, now);
        let mut limits = Vec::new();
        for _ in 0..rounds {
            let n = c.limit();
            c.blocked();
            c.flying(n);
            now += rtt;
            for i in 0..n {
                if throttle_above.is_some_and(|m| i >= m) {
                    c.throttled(now);
                }
                c.done(now, rtt);
            }
            limits.push(c.limit());
        }
        limits
    }

    #[test]
    fn the_limit_doubles_while_the_rate_grows_up_to_the_cap() {
        // each round takes one round trip whatever the limit: the rate grows with it
        let limits = simulate(256, 6, None);
        assert_eq!(limits, [64, 128, 256, 256, 256, 256]);
        let limits = simulate(8, 3, None);
        assert_eq!(
            limits,
            [8, 8, 8],
            "--concurrency below the start is the limit"
        );
    }

    #[test]
    fn the_limit_stays_when_the_rate_does_not_grow() {
        // a machine that reads 400 objects a second whatever is in flight: one doubling is
        // tried (the first round has nothing to compare with), then the limit holds
        let mut now = Instant::now();
        let mut c = Controller::new(1024, now);
        for _ in 0..6 {
            let n = c.limit();
            c.blocked();
            now += Duration::from_secs_f64(n as f64 / 400.0);
            for _ in 0..n {
                c.done(now, Duration::from_millis(50));
            }
        }
        assert_eq!(c.limit(), 64);
        assert_eq!(c.stats.peak_limit, 64);
    }

    #[test]
    fn the_limit_halves_on_throttling_and_then_grows_slowly() {
        // throttled above 20 in flight: 32 → 16 (and no second halving within one round
        // trip), then +2 a round while it passes, never back to 32
        let limits = simulate(256, 8, Some(20));
        assert_eq!(limits[0], 16, "{limits:?}");
        assert!(limits.iter().all(|&l| l < 32), "{limits:?}");
        assert!(
            limits.iter().skip(1).any(|&l| l > 16),
            "grows again: {limits:?}"
        );
        assert!(limits
            .windows(2)
            .all(|w| w[1] <= w[0] + w[0] / 8 + 1 || w[1] < w[0]));
    }

    #[test]
    fn no_growth_without_demand() {
        // fewer objects than the limit wanted: the limit is not raised for nothing
        let mut now = Instant::now();
        let mut c = Controller::new(256, now);
        for _ in 0..4 {
            now += Duration::from_millis(50);
            for _ in 0..32 {
                c.done(now, Duration::from_millis(50));
            }
        }
        assert_eq!(c.limit(), START);
    }

    #[test]
    fn objects_are_held_within_the_limit_and_forgotten_when_asked() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let flight = Flight::new(4);
        let started = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&started);
        let start: Starter = Arc::new(move |key: ObjectKey, f: Arc<Flight>| {
            counter.fetch_add(1, Ordering::SeqCst);
            // lands at once: a body of the key's name
            let body = Ok(key.1.clone().into_bytes());
            f.landed(key, body, Duration::from_millis(1));
        });
        let key = |i: usize| ("b".to_string(), format!("k{i}"), "e".to_string());
        let batch = flight.queue((0..10).map(|i| (key(i), 2)), &start);
        // four land and wait for their reader: the limit counts them until read
        let deadline = Instant::now() + Duration::from_secs(5);
        while started.load(Ordering::SeqCst) < 4 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(started.load(Ordering::SeqCst), 4);
        assert_eq!(flight.take(&key(0)), Some(Ok(b"k0".to_vec())));
        while started.load(Ordering::SeqCst) < 5 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(started.load(Ordering::SeqCst), 5);
        flight.forget(batch);
        assert_eq!(flight.take(&key(1)), None, "forgotten");
        let st = flight.lock();
        assert_eq!((st.ready, st.held_bytes, st.in_flight), (0, 0, 0));
        assert!(st.entries.is_empty());
    }

    #[test]
    fn a_listing_downloads_ahead_within_the_limit_and_a_read_adopts_or_forgets_it() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let flight = Flight::new(2);
        let started = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&started);
        let start: Starter = Arc::new(move |key: ObjectKey, f: Arc<Flight>| {
            counter.fetch_add(1, Ordering::SeqCst);
            let body = Ok(key.1.clone().into_bytes());
            f.landed(key, body, Duration::from_millis(1));
        });
        let key = |i: usize| ("b".to_string(), format!("k{i}"), "e".to_string());
        let wait_for = |n: usize| {
            let deadline = Instant::now() + Duration::from_secs(5);
            while started.load(Ordering::SeqCst) < n && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            std::thread::sleep(Duration::from_millis(50));
            started.load(Ordering::SeqCst)
        };
        // a listing's six objects: two land (the limit, 2) and wait, unread
        flight.queue_listed((0..6).map(|i| (key(i), 3)), &start);
        assert_eq!(wait_for(2), 2);
        // the read wants k1, k4 and k7 (not listed): k1 is adopted as downloaded, k4 as
        // queued, k7 is queued; the listing's others are forgotten (as `prefetch` does)
        flight.queue([1, 4, 7].map(|i| (key(i), 3)), &start);
        flight.forget_listed();
        // k0 freed, k1 read: the limit has room again, k4 and k7 start
        assert_eq!(flight.take(&key(1)), Some(Ok(b"k1".to_vec())));
        assert_eq!(flight.take(&key(0)), None, "not adopted: forgotten");
        assert_eq!(flight.take(&key(4)), Some(Ok(b"k4".to_vec())));
        assert_eq!(flight.take(&key(7)), Some(Ok(b"k7".to_vec())));
        assert_eq!(wait_for(4), 4, "k2, k3 and k5 never started");
        let st = flight.lock();
        assert_eq!((st.ready, st.held_bytes, st.in_flight), (0, 0, 0));
        assert!(st.entries.is_empty());
    }

    #[test]
    fn a_reader_behind_unread_downloads_gets_its_object_itself() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let flight = Flight::new(2);
        let started = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&started);
        let start: Starter = Arc::new(move |key: ObjectKey, f: Arc<Flight>| {
            counter.fetch_add(1, Ordering::SeqCst);
            let body = Ok(key.1.clone().into_bytes());
            f.landed(key, body, Duration::from_millis(1));
        });
        let key = |i: usize| ("b".to_string(), format!("k{i}"), "e".to_string());
        // listed k0..k3, then adopted in another order: k3 first, the downloaded k0, k1 after
        flight.queue_listed((0..4).map(|i| (key(i), 3)), &start);
        let deadline = Instant::now() + Duration::from_secs(5);
        while started.load(Ordering::SeqCst) < 2 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(50));
        flight.queue([3, 0, 1].map(|i| (key(i), 3)), &start);
        flight.forget_listed();
        // k3 waits while k0 and k1 fill the limit, unread: its reader takes it over (None),
        // instead of waiting for ever
        assert_eq!(flight.take(&key(3)), None);
        assert_eq!(flight.take(&key(0)), Some(Ok(b"k0".to_vec())));
        assert_eq!(flight.take(&key(1)), Some(Ok(b"k1".to_vec())));
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(
            started.load(Ordering::SeqCst),
            2,
            "k3 taken over, k2 forgotten"
        );
        let st = flight.lock();
        assert_eq!((st.ready, st.held_bytes, st.in_flight), (0, 0, 0));
    }

    #[test]
    fn what_a_read_adopts_starts_before_what_no_read_asked_for() {
        let flight = Flight::new(2);
        let started = Arc::new(Mutex::new(Vec::new()));
        let order = Arc::clone(&started);
        let start: Starter = Arc::new(move |key: ObjectKey, f: Arc<Flight>| {
            order.lock().unwrap().push(key.1.clone());
            let body = Ok(key.1.clone().into_bytes());
            f.landed(key, body, Duration::from_millis(1));
        });
        let key = |i: usize| ("b".to_string(), format!("k{i}"), "e".to_string());
        flight.queue_listed((0..4).map(|i| (key(i), 3)), &start);
        let deadline = Instant::now() + Duration::from_secs(5);
        while started.lock().unwrap().len() < 2 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        // a read adopts k0 (downloaded) and k3 (queued behind k2); k1 stays unread
        flight.queue([0, 3].map(|i| (key(i), 3)), &start);
        assert_eq!(flight.take(&key(0)), Some(Ok(b"k0".to_vec())));
        // the room k0 left goes to k3, not to k2 (listed first, read by nobody yet)
        assert_eq!(flight.take(&key(3)), Some(Ok(b"k3".to_vec())));
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(started.lock().unwrap()[..3], ["k0", "k1", "k3"]);
    }
}
