//! The remembered remote answer: what the health documents of this origin
//! said when they last answered, kept in localStorage under [`KEY`] so that
//! a page that loads while a document is unreachable starts from its last
//! answer, and a kill outlives a reload.
//!
//! The remote module writes it after every successful answer
//! ([`Memory::remember`]); every copy of the gate reads its `off` at its
//! first decision ([`remembered_off`]), whatever its own options: an
//! off only ever turns MAESTRO off. Only a later successful answer of the
//! same document replaces its entry; nothing expires it. The key is outside
//! the `maestro:` prefix, so a cleanup never erases a kill.
//!
//! The stored text is JSON:
//! `{"off":{"url":"/maestro-health","at":1764912345678},"answers":[{"url":"/maestro-health","enabled":false,"rollout":null,"at":1764912345678}]}`,
//! `off` being the latest answer that said off (or `null`).

use crate::flag::Text;
use alloc::string::String;
use alloc::vec::Vec;

/// Where the remembered answers are kept (localStorage; sessionStorage when
/// localStorage refuses the write).
pub const KEY: &str = "maestro-gate:remote";

/// How many documents are remembered at most (the oldest answers that said
/// on go first; an off is never dropped for an on).
pub const MAX_ANSWERS: usize = 8;

/// One document's last successful answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    /// The document's URL, as given to `init({ remote })`.
    pub url: String,
    /// `false` when the document said off, or its rollout was invalid (fail safe).
    pub enabled: bool,
    /// The document's valid rollout percentage, if it had one.
    pub rollout: Option<u32>,
    /// When it answered (ms since the epoch).
    pub at: f64,
}

/// The latest off: the document and when it said so.
#[derive(Clone, Debug, PartialEq)]
pub struct Off {
    /// The document's URL.
    pub url: String,
    /// When it said off (ms since the epoch).
    pub at: f64,
}

/// Every remembered answer, and the latest off among them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Memory {
    /// The latest off, if any document said off.
    pub off: Option<Off>,
    /// Each document's last answer.
    pub answers: Vec<Answer>,
}

impl Memory {
    /// Keeps `answer` in place of the same document's last one, and
    /// recomputes `off`.
    pub fn remember(&mut self, answer: Answer) {
        self.answers.retain(|a| a.url != answer.url);
        self.answers.push(answer);
        while self.answers.len() > MAX_ANSWERS {
            // The oldest "on" goes first; only offs left: the oldest off.
            // (The first of equally old ones, as `min_by` picks.)
            let oldest = |want_on: bool| {
                let mut found: Option<(usize, f64)> = None;
                for (i, a) in self.answers.iter().enumerate() {
                    if a.enabled == want_on && found.is_none_or(|(_, at)| a.at.total_cmp(&at).is_lt()) {
                        found = Some((i, a.at));
                    }
                }
                found.map(|(i, _)| i)
            };
            match oldest(true).or_else(|| oldest(false)) {
                Some(i) => {
                    // (`retain`, not `Vec::remove`: no index panic, whose
                    // formatting the wasm modules would carry.)
                    let mut at = 0;
                    self.answers.retain(|_| {
                        at += 1;
                        at != i + 1
                    });
                }
                None => break,
            }
        }
        // The latest off (the last of equally late ones, as `max_by` picks).
        let mut off: Option<&Answer> = None;
        for a in &self.answers {
            if !a.enabled && off.is_none_or(|o| a.at.total_cmp(&o.at).is_ge()) {
                off = Some(a);
            }
        }
        self.off = off.map(|a| Off { url: a.url.clone(), at: a.at });
    }

    /// Adds the answers of `other` (the other storage area's copy) that are
    /// later than this memory's of the same document. A memory is read from
    /// both areas together: sessionStorage's copy is written only when
    /// localStorage refuses, so it is the newer one when both are there,
    /// but another tab may have written localStorage since; read alone,
    /// either would lose the other's later answers (a kill kept only in
    /// this tab's sessionStorage, say) at the next write.
    ///
    /// An answer dated after `now` (kept before the clock was set back, or
    /// forged) is older than any that is not: it never replaces one read
    /// since, an off in particular.
    pub fn merge(&mut self, other: Memory, now: f64) {
        let rank = |a: &Answer| (a.at <= now, a.at);
        for a in other.answers {
            if self
                .of(&a.url)
                .is_none_or(|mine| rank(&a).partial_cmp(&rank(mine)) == Some(core::cmp::Ordering::Greater))
            {
                self.remember(a);
            }
        }
    }

    /// The last answer of the document at `url`.
    pub fn of(&self, url: &str) -> Option<&Answer> {
        self.answers.iter().find(|a| a.url == url)
    }

    /// Whether this memory holds an answer of `url` read after `at`, which
    /// an answer read at `at` does not replace. One dated after `now` (kept
    /// before the clock was set back, or forged) is not later: it would
    /// keep every answer from being remembered until the clock passed it.
    pub fn has_later(&self, url: &str, at: f64, now: f64) -> bool {
        self.of(url).is_some_and(|a| a.at > at && a.at <= now)
    }
}

/// How long ago, as a sentence shows it: seconds under two minutes, then
/// minutes, hours, and days. A time in the future (a clock set back) is 0 s.
pub fn age(ms: f64) -> (u64, &'static str) {
    let s = if ms > 0.0 { (ms / 1000.0) as u64 } else { 0 };
    if s < 120 {
        (s, " s")
    } else if s < 120 * 60 {
        (s / 60, " min")
    } else if s < 48 * 3600 {
        (s / 3600, " h")
    } else {
        (s / 86_400, " days")
    }
}

pub use crate::flag::push_uint;

/// The reason of a decision made from a remembered off: the document's
/// off (`flag::remote_off`'s wording), that it is remembered, and how old it
/// is: `Disabled by remote /maestro-health: maestro_enabled=false
/// (remembered, 5 min old)`.
pub fn remembered_off<T: Text>(url: &T, age_ms: f64) -> T {
    let mut reason = crate::flag::remote_off_reason(url);
    reason.push(" (remembered, ");
    let (n, unit) = age(age_ms);
    reason.push_uint(n);
    reason.push(unit);
    reason.push(" old)");
    reason
}

/// The warning when localStorage refuses to keep an answer (`why`), and
/// whether sessionStorage kept it instead.
pub fn not_kept(why: &str, in_session: bool) -> String {
    let then = if in_session {
        "kept in sessionStorage instead: a reload in this tab remembers it, a new tab does not"
    } else {
        "not remembered: a reload starts from the document alone"
    };
    crate::flag::cat(&["The remote answer could not be kept in localStorage (", why, "); ", then])
}

/// The reason when the remembered answers cannot be read (a value this
/// package did not write): fails safe.
pub const UNREADABLE: &str = "Disabled (fail safe): maestro-gate:remote is unreadable";

/// The reason of a decision made from a guard's trip remembered in this
/// browser ([`crate::rollout::GUARD_KEY`]), for a copy of the gate that
/// may not set a guard itself.
pub const GUARD_REMEMBERED: &str = "Disabled by guard: it tripped in this browser";

/// The reason of a copy that hears a guard's trip on the channel (from
/// another tab, or another copy of the gate on this page): the gate applies
/// it (a fixed reason: nothing another page writes reaches the console).
pub const GUARD_HEARD: &str = "Disabled by guard: it tripped in another tab";

/// Whether a guard's remembered trip ([`crate::rollout::GUARD_KEY`], the
/// time its cooldown ends, in ms, as JSON reads it) holds at `now`. A value
/// that is not a number (not one this package wrote) holds, failing safe,
/// until the guard rewrites it or it is reset.
pub fn guard_holds(until: Option<f64>, now: f64) -> bool {
    // NaN (not a number) holds too.
    !until.is_some_and(|u| u <= now)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use alloc::string::ToString;

    fn a(url: &str, enabled: bool, at: f64) -> Answer {
        Answer { url: url.to_string(), enabled, rollout: None, at }
    }

    #[test]
    fn off_is_the_latest_off_and_an_on_replaces_its_own_document_only() {
        let mut m = Memory::default();
        m.remember(a("/a", false, 1.0));
        m.remember(a("/b", false, 2.0));
        assert_eq!(m.off, Some(Off { url: "/b".into(), at: 2.0 }));
        m.remember(a("/b", true, 3.0));
        assert_eq!(m.off, Some(Off { url: "/a".into(), at: 1.0 }));
        m.remember(a("/a", true, 4.0));
        assert_eq!(m.off, None);
        assert_eq!(m.answers.len(), 2);
        assert_eq!(m.of("/a").map(|x| x.at), Some(4.0));
    }

    #[test]
    fn two_areas_merge_to_the_later_answer_of_each_document() {
        let mut local = Memory::default();
        local.remember(a("/h", true, 1.0));
        local.remember(a("/u", true, 1.0));
        local.remember(a("/x", false, 5.0));
        let mut session = Memory::default();
        session.remember(a("/h", false, 2.0));
        session.remember(a("/u", true, 0.5));
        session.remember(a("/x", true, 4.0));
        local.merge(session, 10.0);
        assert_eq!(local.of("/h"), Some(&a("/h", false, 2.0)), "the session's later off");
        assert_eq!(local.of("/u").map(|x| x.at), Some(1.0), "localStorage's later on");
        assert_eq!(local.of("/x"), Some(&a("/x", false, 5.0)));
        assert_eq!(local.off, Some(Off { url: "/x".into(), at: 5.0 }));
        let mut empty = Memory::default();
        empty.merge(local.clone(), 10.0);
        assert_eq!(empty.answers.len(), 3);
        // An on dated after now (a clock set back since) never beats an off read since.
        let mut future = Memory::default();
        future.remember(a("/h", true, 1e15));
        let mut kill = Memory::default();
        kill.remember(a("/h", false, 5.0));
        let mut m = future.clone();
        m.merge(kill.clone(), 10.0);
        assert_eq!(m.of("/h"), Some(&a("/h", false, 5.0)));
        let mut m = kill.clone();
        m.merge(future.clone(), 10.0);
        assert_eq!(m.of("/h"), Some(&a("/h", false, 5.0)), "either way round");
        let mut later = Memory::default();
        later.remember(a("/h", true, 2e15));
        let mut m = future;
        m.merge(later, 10.0);
        assert_eq!(m.of("/h").map(|x| x.at), Some(2e15), "two from the future: the later");
    }

    #[test]
    fn a_later_answer_stands_but_one_from_the_future_does_not() {
        let mut m = Memory::default();
        m.remember(a("/a", true, 50.0));
        assert!(m.has_later("/a", 40.0, 60.0), "read after this one: it stands");
        assert!(!m.has_later("/a", 55.0, 60.0));
        assert!(!m.has_later("/b", 0.0, 60.0), "another document's");
        m.remember(a("/a", true, 1e15));
        assert!(!m.has_later("/a", 60.0, 60.0), "dated after now: a clock set back, or forged");
        assert!(!m.has_later("/a", 60.0, f64::NAN));
    }

    #[test]
    fn at_most_eight_documents_and_an_off_is_kept_before_any_on() {
        let mut m = Memory::default();
        m.remember(a("/off", false, 0.0));
        for i in 1..20 {
            m.remember(a(&["/", &i.to_string()].concat(), true, f64::from(i)));
        }
        assert_eq!(m.answers.len(), MAX_ANSWERS);
        assert!(m.of("/off").is_some());
        assert_eq!(m.off.as_ref().map(|o| o.url.as_str()), Some("/off"));
        assert!(m.of("/19").is_some() && m.of("/1").is_none());
    }

    #[test]
    fn the_evicted_answer_is_the_oldest_on_wherever_it_is_and_the_rest_keep_their_order() {
        let mut m = Memory::default();
        let ats = [5.0, 3.0, 7.0, 1.0, 6.0, 8.0, 2.0, 4.0];
        for (i, at) in ats.iter().enumerate() {
            m.remember(a(&["/", &i.to_string()].concat(), true, *at));
        }
        m.remember(a("/new", true, 9.0));
        let urls: Vec<&str> = m.answers.iter().map(|x| x.url.as_str()).collect();
        assert_eq!(urls, ["/0", "/1", "/2", "/4", "/5", "/6", "/7", "/new"]);
        m.remember(a("/off", false, 10.0));
        let urls: Vec<&str> = m.answers.iter().map(|x| x.url.as_str()).collect();
        assert_eq!(urls, ["/0", "/1", "/2", "/4", "/5", "/7", "/new", "/off"]);
    }

    /// `Memory::remember` as it was written with `min_by`, `max_by` and
    /// `Vec::remove`.
    fn remember_by_iterators(m: &mut Memory, answer: Answer) {
        m.answers.retain(|a| a.url != answer.url);
        m.answers.push(answer);
        while m.answers.len() > MAX_ANSWERS {
            let oldest = |want_on: bool| {
                m.answers
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| a.enabled == want_on)
                    .min_by(|(_, a), (_, b)| a.at.total_cmp(&b.at))
                    .map(|(i, _)| i)
            };
            match oldest(true).or_else(|| oldest(false)) {
                Some(i) => {
                    m.answers.remove(i);
                }
                None => break,
            }
        }
        m.off = m
            .answers
            .iter()
            .filter(|a| !a.enabled)
            .max_by(|a, b| a.at.total_cmp(&b.at))
            .map(|a| Off { url: a.url.clone(), at: a.at });
    }

    #[test]
    fn equally_old_answers_the_first_on_goes_and_the_last_off_is_the_off() {
        let mut m = Memory::default();
        for i in 0..8 {
            m.remember(a(&["/", &i.to_string()].concat(), i % 2 == 0, 1.0));
        }
        assert_eq!(m.off.as_ref().map(|o| o.url.as_str()), Some("/7"));
        m.remember(a("/x", true, 1.0));
        assert!(m.of("/0").is_none() && m.of("/2").is_some());
        m.remember(a("/-0", false, -0.0));
        m.remember(a("/nan", false, f64::NAN));
        assert_eq!(m.off.as_ref().map(|o| o.url.as_str()), Some("/nan"));
    }

    proptest::proptest! {
        #[test]
        fn remember_keeps_and_evicts_as_the_iterators_did(
            steps in proptest::collection::vec((0u8..12, proptest::bool::ANY, proptest::sample::select(vec![0.0, -0.0, 1.0, 2.0, 3.0, f64::NAN, f64::INFINITY, -1.0])), 0..40)
        ) {
            let (mut m, mut old) = (Memory::default(), Memory::default());
            for (u, enabled, at) in steps {
                let answer = a(&["/", &u.to_string()].concat(), enabled, at);
                m.remember(answer.clone());
                remember_by_iterators(&mut old, answer);
                proptest::prop_assert_eq!(format!("{m:?}"), format!("{old:?}"));
            }
        }
    }

    #[test]
    fn ages() {
        assert_eq!(age(-5.0), (0, " s"));
        assert_eq!(age(f64::NAN), (0, " s"));
        assert_eq!(age(119_999.0), (119, " s"));
        assert_eq!(age(120_000.0), (2, " min"));
        assert_eq!(age(7_199_000.0), (119, " min"));
        assert_eq!(age(7_200_000.0), (2, " h"));
        assert_eq!(age(3.0 * 86_400_000.0), (3, " days"));
        assert_eq!(
            remembered_off(&String::from("/maestro-health"), 300_000.0),
            "Disabled by remote /maestro-health: maestro_enabled=false (remembered, 5 min old)"
        );
        let mut s = String::new();
        push_uint(&mut s, u64::MAX);
        assert_eq!(s, u64::MAX.to_string());
    }

    #[test]
    fn guard_trips() {
        assert!(guard_holds(Some(20.0), 10.0));
        assert!(!guard_holds(Some(10.0), 10.0));
        assert!(!guard_holds(Some(5.0), 10.0));
        // Not a number this package wrote: holds (fail safe).
        assert!(guard_holds(None, 10.0));
        assert!(guard_holds(Some(f64::NAN), 10.0));
    }
}
