//! Badges are rules over a fan's record, declared in one table: a new badge is one rule
//! here plus its name and description in the `participation` catalogue.
use crate::i18n::{td_string, Locale};
use serde::{Deserialize, Serialize};

/// What the rules look at: a fan's whole record, loaded from attendance and events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FanRecord {
    pub user_id: i64,
    /// Meetups and gatherings the fan attended (checked in).
    pub attended: i64,
    /// Different cities those events were in.
    pub cities_attended: i64,
    /// Festival sessions the fan attended.
    pub festivals_attended: i64,
    /// Gatherings the fan organized whose door has closed.
    pub gatherings_organized: i64,
    /// …of which at least one fan attended.
    pub gatherings_with_attendees: i64,
    /// The fan's place among the verified fans of their home city, when within the first
    /// [`EARLY_FANS`]: (city, place).
    pub early_fan: Option<(i64, i64)>,
    /// Live quizzes (智勇大冲关) the fan won (first place).
    pub quiz_wins: i64,
    /// New fans who came through the fan's links and confirmed their email
    /// (`sharing::referrals`).
    pub fans_brought: i64,
}

/// How many of a city's first verified fans count as its early fans.
pub const EARLY_FANS: i64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Badge {
    FirstMeetup,
    Meetups5,
    Meetups10,
    Meetups25,
    FirstGathering,
    Organizer10,
    EarlyFan,
    ThreeCities,
    Festival,
    QuizChampion,
    Brought1,
    Brought5,
    Brought20,
}

/// The stored names of the badges for fans brought, in the order of
/// `sharing::BRINGER_BADGES` (taken back with a referral withdrawn within its grace).
pub const BRINGER_BADGE_KEYS: [&str; 3] = ["brought_1", "brought_5", "brought_20"];

/// One badge and when it is earned.
pub struct Rule {
    pub badge: Badge,
    pub earned: fn(&FanRecord) -> bool,
}

/// Every badge, in the order a fan page shows them.
pub const RULES: &[Rule] = &[
    Rule { badge: Badge::EarlyFan, earned: |r| r.early_fan.is_some() },
    Rule { badge: Badge::FirstMeetup, earned: |r| r.attended >= 1 },
    Rule { badge: Badge::Meetups5, earned: |r| r.attended >= 5 },
    Rule { badge: Badge::Meetups10, earned: |r| r.attended >= 10 },
    Rule { badge: Badge::Meetups25, earned: |r| r.attended >= 25 },
    Rule { badge: Badge::ThreeCities, earned: |r| r.cities_attended >= 3 },
    Rule { badge: Badge::FirstGathering, earned: |r| r.gatherings_organized >= 1 },
    Rule { badge: Badge::Organizer10, earned: |r| r.gatherings_with_attendees >= 10 },
    Rule { badge: Badge::Festival, earned: |r| r.festivals_attended >= 1 },
    Rule { badge: Badge::QuizChampion, earned: |r| r.quiz_wins >= 1 },
    Rule { badge: Badge::Brought1, earned: |r| r.fans_brought >= crate::sharing::BRINGER_BADGES[0] },
    Rule { badge: Badge::Brought5, earned: |r| r.fans_brought >= crate::sharing::BRINGER_BADGES[1] },
    Rule { badge: Badge::Brought20, earned: |r| r.fans_brought >= crate::sharing::BRINGER_BADGES[2] },
];

/// The badges a record earns, in table order.
pub fn earned(record: &FanRecord) -> Vec<Badge> {
    RULES.iter().filter(|rule| (rule.earned)(record)).map(|rule| rule.badge).collect()
}

impl Badge {
    /// The stored name (`badges.badge`).
    pub fn key(self) -> &'static str {
        match self {
            Badge::FirstMeetup => "first_meetup",
            Badge::Meetups5 => "meetups_5",
            Badge::Meetups10 => "meetups_10",
            Badge::Meetups25 => "meetups_25",
            Badge::FirstGathering => "first_gathering",
            Badge::Organizer10 => "organizer_10",
            Badge::EarlyFan => "early_fan",
            Badge::ThreeCities => "three_cities",
            Badge::Festival => "festival",
            Badge::QuizChampion => "quiz_champion",
            Badge::Brought1 => BRINGER_BADGE_KEYS[0],
            Badge::Brought5 => BRINGER_BADGE_KEYS[1],
            Badge::Brought20 => BRINGER_BADGE_KEYS[2],
        }
    }

    pub fn from_key(key: &str) -> Option<Badge> {
        RULES.iter().map(|rule| rule.badge).find(|b| b.key() == key)
    }

    pub fn name(self, l: Locale) -> &'static str {
        match self {
            Badge::FirstMeetup => td_string!(l, participation.badge.first_meetup),
            Badge::Meetups5 => td_string!(l, participation.badge.meetups_5),
            Badge::Meetups10 => td_string!(l, participation.badge.meetups_10),
            Badge::Meetups25 => td_string!(l, participation.badge.meetups_25),
            Badge::FirstGathering => td_string!(l, participation.badge.first_gathering),
            Badge::Organizer10 => td_string!(l, participation.badge.organizer_10),
            Badge::EarlyFan => td_string!(l, participation.badge.early_fan),
            Badge::ThreeCities => td_string!(l, participation.badge.three_cities),
            Badge::Festival => td_string!(l, participation.badge.festival),
            Badge::QuizChampion => td_string!(l, participation.badge.quiz_champion),
            Badge::Brought1 => td_string!(l, participation.badge.brought_1),
            Badge::Brought5 => td_string!(l, participation.badge.brought_5),
            Badge::Brought20 => td_string!(l, participation.badge.brought_20),
        }
    }

    pub fn about(self, l: Locale) -> &'static str {
        match self {
            Badge::FirstMeetup => td_string!(l, participation.badge_about.first_meetup),
            Badge::Meetups5 => td_string!(l, participation.badge_about.meetups_5),
            Badge::Meetups10 => td_string!(l, participation.badge_about.meetups_10),
            Badge::Meetups25 => td_string!(l, participation.badge_about.meetups_25),
            Badge::FirstGathering => td_string!(l, participation.badge_about.first_gathering),
            Badge::Organizer10 => td_string!(l, participation.badge_about.organizer_10),
            Badge::EarlyFan => td_string!(l, participation.badge_about.early_fan),
            Badge::ThreeCities => td_string!(l, participation.badge_about.three_cities),
            Badge::Festival => td_string!(l, participation.badge_about.festival),
            Badge::QuizChampion => td_string!(l, participation.badge_about.quiz_champion),
            Badge::Brought1 => td_string!(l, participation.badge_about.brought_1),
            Badge::Brought5 => td_string!(l, participation.badge_about.brought_5),
            Badge::Brought20 => td_string!(l, participation.badge_about.brought_20),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(f: impl FnOnce(&mut FanRecord)) -> FanRecord {
        let mut r = FanRecord::default();
        f(&mut r);
        r
    }

    #[test]
    fn a_new_fan_has_no_badges() {
        assert!(earned(&FanRecord::default()).is_empty());
    }

    #[test]
    fn attendance_badges_come_at_1_5_10_and_25() {
        let at = |n| earned(&record(|r| r.attended = n));
        assert_eq!(at(1), vec![Badge::FirstMeetup]);
        assert_eq!(at(4), vec![Badge::FirstMeetup]);
        assert_eq!(at(5), vec![Badge::FirstMeetup, Badge::Meetups5]);
        assert_eq!(at(10), vec![Badge::FirstMeetup, Badge::Meetups5, Badge::Meetups10]);
        assert_eq!(at(24).len(), 3);
        assert_eq!(at(25), vec![Badge::FirstMeetup, Badge::Meetups5, Badge::Meetups10, Badge::Meetups25]);
    }

    #[test]
    fn three_different_cities_earn_the_traveller_badge() {
        assert!(!earned(&record(|r| { r.attended = 9; r.cities_attended = 2 })).contains(&Badge::ThreeCities));
        assert!(earned(&record(|r| { r.attended = 3; r.cities_attended = 3 })).contains(&Badge::ThreeCities));
    }

    #[test]
    fn organizing_counts_gatherings_that_happened_and_those_with_attendees() {
        assert_eq!(earned(&record(|r| r.gatherings_organized = 1)), vec![Badge::FirstGathering]);
        let busy = record(|r| { r.gatherings_organized = 12; r.gatherings_with_attendees = 9 });
        assert!(!earned(&busy).contains(&Badge::Organizer10), "empty gatherings do not count");
        let busy = record(|r| { r.gatherings_organized = 12; r.gatherings_with_attendees = 10 });
        assert!(earned(&busy).contains(&Badge::Organizer10));
    }

    #[test]
    fn early_fans_and_festival_goers_are_recognised() {
        assert_eq!(earned(&record(|r| r.early_fan = Some((7, 100)))), vec![Badge::EarlyFan]);
        assert_eq!(earned(&record(|r| r.festivals_attended = 1)), vec![Badge::Festival]);
    }

    #[test]
    fn bringing_fans_earns_badges_at_1_5_and_20() {
        let at = |n| earned(&record(|r| r.fans_brought = n));
        assert_eq!(at(0), vec![]);
        assert_eq!(at(1), vec![Badge::Brought1]);
        assert_eq!(at(4), vec![Badge::Brought1]);
        assert_eq!(at(5), vec![Badge::Brought1, Badge::Brought5]);
        assert_eq!(at(19).len(), 2);
        assert_eq!(at(20), vec![Badge::Brought1, Badge::Brought5, Badge::Brought20]);
    }

    #[test]
    fn every_badge_has_one_rule_a_key_and_words_in_both_languages() {
        let mut keys: Vec<_> = RULES.iter().map(|r| r.badge.key()).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), RULES.len());
        for rule in RULES {
            assert_eq!(Badge::from_key(rule.badge.key()), Some(rule.badge));
            for l in [Locale::zh_CN, Locale::en] {
                assert!(!rule.badge.name(l).is_empty() && !rule.badge.about(l).is_empty());
            }
        }
    }
}
