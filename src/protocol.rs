//! The cross-tab protocol: what the tabs of one origin that run the gate say
//! to each other on the BroadcastChannel [`CHANNEL`], and what a tab may do
//! when it hears it. Each copy of the gate on a page opens one such channel
//! (the gate module does; the other modules post and hear through it, by
//! kind), and a channel never hears its own posts.
//!
//! Any same-origin page can post on the channel, so a message can never make
//! a tab do more than that tab's own configuration allows:
//! - a cleanup request makes a tab sweep only under its *own* prefix, and
//!   clear all of its sessionStorage only if it opted in at `init()`;
//! - answers are counted once per answering tab (each tab has a random id);
//!   the count is advisory;
//! - a guard's trip turns every tab off (off is always safe), with a fixed
//!   reason: nothing another page writes reaches the console;
//! - a remote-poll result for the document a tab polls can turn that tab off
//!   (off is always safe; a rollout percentage only narrows), and can save it a poll, but never postpone its
//!   next poll past a bound (see [`crate::poll`]).

use crate::cleanup::SessionMode;

/// The channel's name.
pub const CHANNEL: &str = "maestro-gate";
/// The field every message carries, naming its kind.
pub const KIND: &str = "maestroGate";

/// The kinds of message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A tab is clearing MAESTRO's client state and asks the others to clear
    /// their sessionStorage (`id`, `tab`, `database`, `prefix`, `sessionStorage`,
    /// `fromOtherTab: true`: the message is what the other tabs'
    /// `onCleanupRequest` subscribers receive).
    Cleanup,
    /// A tab answers a cleanup request (`id`, `tab`, `outcome`, `removed`).
    Answer,
    /// A tab read a health document (`url`, `enabled`, and `rollout` when
    /// the document has a valid percentage: an integer from 0 to 100).
    /// `enabled` is `false` when the document says off, and also when its
    /// `rollout` is invalid (that fails safe). A rollout heard narrows the
    /// hearing tab's decision as its own poll's would: it can turn the tab
    /// off, never on.
    Remote,
    /// A tab's error guard tripped: every tab of the origin turns off
    /// (off is always safe; the message carries nothing else).
    Guard,
    /// The Service Worker guard answered a request of a page or worker of
    /// the origin 503 (`url`, `line`: the `[MAESTRO]` line, once per URL).
    /// The gates ignore it; a page may print `line` (see the README).
    Blocked,
}

/// A page's decision: the one message without a [`KIND`] field, a bare
/// `true` or `false` (the decision's `enabled`), which every page's gate
/// posts at its first decision and at each change (`js/core.js`, `say`). It
/// is the smallest message that says it: the gate's decision path grew by
/// 30 B gzip for it. The gates ignore it (it has no kind); the Service Worker
/// guard ([`crate::sw`]) holds the most restrictive one it hears.
/// (What the guard calls such a message in its reasons.)
pub const DECISION: &str = "a page's decision";

impl Kind {
    /// The message's `maestroGate` field: `"cleanup"`, `"answer"`, `"remote"` or `"guard"`.
    pub fn id(self) -> &'static str {
        match self {
            Kind::Cleanup => "cleanup",
            Kind::Answer => "answer",
            Kind::Remote => "remote",
            Kind::Guard => "guard",
            Kind::Blocked => "blocked",
        }
    }

    /// The kind a `maestroGate` field names, if any.
    pub fn parse(id: &str) -> Option<Kind> {
        [Kind::Cleanup, Kind::Answer, Kind::Remote, Kind::Guard, Kind::Blocked].into_iter().find(|k| k.id() == id)
    }
}

/// What a tab does with its own sessionStorage when another tab asks for a
/// cleanup in `requested` mode. A request for everything clears everything
/// only in a tab that opted in (`acceptClearAllFromOtherTabs`); otherwise it
/// removes that tab's own prefixed keys, as the default request does.
pub fn answer_mode(requested: SessionMode, accept_clear_all: bool) -> SessionMode {
    match requested {
        SessionMode::All if accept_clear_all => SessionMode::All,
        SessionMode::All | SessionMode::Prefixed => SessionMode::Prefixed,
        SessionMode::None => SessionMode::None,
    }
}

/// Whether an answer's `outcome` counts as a tab that did its part.
pub fn answer_counts(outcome: &str) -> bool {
    matches!(outcome, "cleared" | "skipped")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in [Kind::Cleanup, Kind::Answer, Kind::Remote, Kind::Guard, Kind::Blocked] {
            assert_eq!(Kind::parse(k.id()), Some(k));
        }
        assert_eq!(Kind::parse("Cleanup"), None);
    }

    #[test]
    fn another_tab_never_widens_a_sweep() {
        assert_eq!(answer_mode(SessionMode::All, false), SessionMode::Prefixed);
        assert_eq!(answer_mode(SessionMode::All, true), SessionMode::All);
        assert_eq!(answer_mode(SessionMode::Prefixed, true), SessionMode::Prefixed);
        assert_eq!(answer_mode(SessionMode::None, true), SessionMode::None);
        assert!(answer_counts("cleared") && answer_counts("skipped"));
        assert!(!answer_counts("error") && !answer_counts("unavailable"));
    }
}
