//! The states a round and a tube go through, what happens at a door, how a resident gets
//! about and where they stand, each named once: in the code as a type, in the database and the API as its text
//! (`draft`, `open`, `positive`, `not_home` …).

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};

/// A state's text both ways, and its storage as text on either backend.
macro_rules! stored_as_text {
    ($name:ident { $($variant:ident => $text:literal),* $(,)? }) => {
        impl $name {
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(text: &str) -> Result<Self, String> {
                match text {
                    $($text => Ok($name::$variant),)*
                    other => Err(format!("'{other}' is not a {}", stringify!($name))),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<DB: Backend> ToSql<Text, DB> for $name
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl<DB: Backend> FromSql<Text, DB> for $name
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                Ok(String::from_sql(bytes)?.parse()?)
            }
        }
    };
}

/// A round is planned as a draft; once published, residents are told its slots and re-plans
/// keep them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, AsExpression, FromSqlRow, Serialize, Deserialize,
)]
#[diesel(sql_type = Text)]
#[serde(rename_all = "snake_case")]
pub enum RoundStatus {
    Draft,
    Published,
}

stored_as_text!(RoundStatus {
    Draft => "draft",
    Published => "published",
});

/// A tube is open while swabs go in, closed when full or closed by hand, then takes the
/// lab's result.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, AsExpression, FromSqlRow, Serialize, Deserialize,
)]
#[diesel(sql_type = Text)]
#[serde(rename_all = "snake_case")]
pub enum TubeStatus {
    Open,
    Closed,
    Negative,
    Positive,
    Invalid,
}

stored_as_text!(TubeStatus {
    Open => "open",
    Closed => "closed",
    Negative => "negative",
    Positive => "positive",
    Invalid => "invalid",
});

/// A tube's result as the lab reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabResult {
    Negative,
    Positive,
    Invalid,
}

impl LabResult {
    /// The tube's status once it has this result.
    pub fn status(self) -> TubeStatus {
        match self {
            LabResult::Negative => TubeStatus::Negative,
            LabResult::Positive => TubeStatus::Positive,
            LabResult::Invalid => TubeStatus::Invalid,
        }
    }
}

impl LabResult {
    /// From a lab's file: the English word (any case) or the Chinese one.
    pub fn parse(text: &str) -> Option<LabResult> {
        match text.trim().to_ascii_lowercase().as_str() {
            "negative" | "阴性" => Some(LabResult::Negative),
            "positive" | "阳性" => Some(LabResult::Positive),
            "invalid" | "无效" => Some(LabResult::Invalid),
            _ => None,
        }
    }
}

/// Why a resident is called back to be sampled again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecallReason {
    /// In a positive pool: a single-tube retest.
    PositivePool,
    /// In a tube the lab could not read: sampled again.
    InvalidTube,
    /// Living with a resident of a positive pool (`recall.include_household`): a
    /// single-tube test.
    Household,
}

impl RecallReason {
    /// Whether the recall may be a case: those who cannot walk go first in the next route
    /// plan (an unreadable tube is sampled again in the course of the day).
    pub fn is_urgent(self) -> bool {
        self != RecallReason::InvalidTube
    }
}

impl TubeStatus {
    /// A result that sends the tube's residents to be sampled again.
    pub fn recalls(self) -> bool {
        matches!(self, TubeStatus::Positive | TubeStatus::Invalid)
    }
}

/// What happened at a door on a home visit.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, AsExpression, FromSqlRow, Serialize, Deserialize,
)]
#[diesel(sql_type = Text)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Sampled,
    /// Nobody opened: the team knocks again later.
    NotHome,
    Refused,
    MovedAway,
    /// Could not be sampled (too ill, no swab possible).
    Unable,
}

stored_as_text!(Outcome {
    Sampled => "sampled",
    NotHome => "not_home",
    Refused => "refused",
    MovedAway => "moved_away",
    Unable => "unable",
});

impl Outcome {
    /// Every outcome but "not home" ends the resident's visits this round.
    pub fn is_final(self) -> bool {
        self != Outcome::NotHome
    }
}

/// How a resident can get to a sampling site.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, AsExpression, FromSqlRow, Serialize, Deserialize,
)]
#[diesel(sql_type = Text)]
#[serde(rename_all = "snake_case")]
pub enum Mobility {
    Ambulatory,
    Limited,
    Bedridden,
}

stored_as_text!(Mobility {
    Ambulatory => "ambulatory",
    Limited => "limited",
    Bedridden => "bedridden",
});

/// Where a resident stands in a round, from the swabs scanned, the lab's results and the
/// doors' outcomes. Not stored: read from those each time.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, AsExpression, FromSqlRow, Serialize, Deserialize,
)]
#[diesel(sql_type = Text)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// A swab in a tube that is not positive or invalid (or a door that said sampled).
    Sampled,
    /// In a positive pool or an invalid tube, not yet sampled again.
    Recalled,
    NotHome,
    /// Refused, moved away or unable.
    Refused,
    Pending,
}

stored_as_text!(Standing {
    Sampled => "sampled",
    Recalled => "recalled",
    NotHome => "not_home",
    Refused => "refused",
    Pending => "pending",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_state_reads_back_from_its_text_and_serialises_as_it() {
        for status in [RoundStatus::Draft, RoundStatus::Published] {
            assert_eq!(status.as_str().parse(), Ok(status));
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
        for status in [
            TubeStatus::Open,
            TubeStatus::Closed,
            TubeStatus::Negative,
            TubeStatus::Positive,
            TubeStatus::Invalid,
        ] {
            assert_eq!(status.as_str().parse(), Ok(status));
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
        for outcome in [
            Outcome::Sampled,
            Outcome::NotHome,
            Outcome::Refused,
            Outcome::MovedAway,
            Outcome::Unable,
        ] {
            assert_eq!(outcome.as_str().parse(), Ok(outcome));
            assert_eq!(serde_json::to_value(outcome).unwrap(), outcome.as_str());
        }
        for mobility in [Mobility::Ambulatory, Mobility::Limited, Mobility::Bedridden] {
            assert_eq!(mobility.as_str().parse(), Ok(mobility));
            assert_eq!(serde_json::to_value(mobility).unwrap(), mobility.as_str());
        }
        for standing in [
            Standing::Sampled,
            Standing::Recalled,
            Standing::NotHome,
            Standing::Refused,
            Standing::Pending,
        ] {
            assert_eq!(standing.as_str().parse(), Ok(standing));
            assert_eq!(serde_json::to_value(standing).unwrap(), standing.as_str());
        }
        assert!("ajar".parse::<TubeStatus>().is_err());
    }
}
