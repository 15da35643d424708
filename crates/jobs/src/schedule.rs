//! Schedules: `once`, `daily`, `weekly DAY`, `monthly DAY`, each at an optional `HH:MM` (UTC),
//! or a five-field cron expression (`cron 0 3 * * MON-FRI`), as Macie's `scheduleFrequency`
//! and then some.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use croner::Cron;

/// When a job runs.
#[derive(Clone, Debug)]
pub enum Schedule {
    /// One run (Macie's `ONE_TIME`).
    Once,
    /// Every day at a time of day.
    Daily {
        /// UTC time of day.
        at: NaiveTime,
    },
    /// Every week on a day.
    Weekly {
        /// The day.
        day: Weekday,
        /// UTC time of day.
        at: NaiveTime,
    },
    /// Every month on a day (1-31; short months run on their last day).
    Monthly {
        /// The day of the month.
        day: u32,
        /// UTC time of day.
        at: NaiveTime,
    },
    /// A cron expression (minute hour day-of-month month day-of-week), UTC.
    Cron(Box<Cron>, String),
}

impl PartialEq for Schedule {
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
}

fn parse_time(s: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(s, "%H:%M")
        .map_err(|_| format!("{s:?} is not a UTC time of day HH:MM"))
}

fn parse_weekday(s: &str) -> Result<Weekday, String> {
    Weekday::from_str(s).map_err(|_| format!("{s:?} is not a day of the week (MONDAY..SUNDAY)"))
}

impl FromStr for Schedule {
    type Err = String;

    /// Parses `once`, `daily [HH:MM]`, `weekly DAY [HH:MM]`, `monthly DAY [HH:MM]` or
    /// `cron EXPR`.
    fn from_str(s: &str) -> Result<Schedule, String> {
        let s = s.trim();
        let (head, rest) = s.split_once(char::is_whitespace).unwrap_or((s, ""));
        let head = head.trim_end_matches(':').to_ascii_lowercase();
        let rest = rest.trim();
        let words: Vec<&str> = rest.split_whitespace().collect();
        let midnight = NaiveTime::MIN;
        match head.as_str() {
            "once" if words.is_empty() => Ok(Schedule::Once),
            "daily" => match words.as_slice() {
                [] => Ok(Schedule::Daily { at: midnight }),
                [t] => Ok(Schedule::Daily { at: parse_time(t)? }),
                _ => Err(format!("{s:?}: expected `daily [HH:MM]`")),
            },
            "weekly" => match words.as_slice() {
                [d] => Ok(Schedule::Weekly {
                    day: parse_weekday(d)?,
                    at: midnight,
                }),
                [d, t] => Ok(Schedule::Weekly {
                    day: parse_weekday(d)?,
                    at: parse_time(t)?,
                }),
                _ => Err(format!("{s:?}: expected `weekly DAY [HH:MM]`")),
            },
            "monthly" => {
                let day = |d: &str| match d.parse::<u32>() {
                    Ok(n) if (1..=31).contains(&n) => Ok(n),
                    _ => Err(format!("{d:?} is not a day of the month 1-31")),
                };
                match words.as_slice() {
                    [d] => Ok(Schedule::Monthly {
                        day: day(d)?,
                        at: midnight,
                    }),
                    [d, t] => Ok(Schedule::Monthly {
                        day: day(d)?,
                        at: parse_time(t)?,
                    }),
                    _ => Err(format!("{s:?}: expected `monthly DAY [HH:MM]`")),
                }
            }
            "cron" => {
                if words.len() != 5 {
                    return Err(format!(
                        "{s:?}: a cron expression has five fields (minute hour day month weekday)"
                    ));
                }
                let expr = words.join(" ");
                let cron = Cron::from_str(&expr).map_err(|e| format!("{expr:?}: {e}"))?;
                Ok(Schedule::Cron(Box::new(cron), expr))
            }
            _ => Err(format!(
                "{s:?}: expected once, daily [HH:MM], weekly DAY [HH:MM], monthly DAY [HH:MM] or cron EXPR"
            )),
        }
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = |at: &NaiveTime| at.format("%H:%M").to_string();
        match self {
            Schedule::Once => f.write_str("once"),
            Schedule::Daily { at } => write!(f, "daily {}", t(at)),
            Schedule::Weekly { day, at } => {
                write!(f, "weekly {} {}", day_name(*day), t(at))
            }
            Schedule::Monthly { day, at } => write!(f, "monthly {day} {}", t(at)),
            Schedule::Cron(_, expr) => write!(f, "cron {expr}"),
        }
    }
}

fn day_name(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "MONDAY",
        Weekday::Tue => "TUESDAY",
        Weekday::Wed => "WEDNESDAY",
        Weekday::Thu => "THURSDAY",
        Weekday::Fri => "FRIDAY",
        Weekday::Sat => "SATURDAY",
        Weekday::Sun => "SUNDAY",
    }
}

fn at_day(date: NaiveDate, at: NaiveTime) -> DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_time(at))
}

fn month_day(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    (1..=day)
        .rev()
        .find_map(|d| NaiveDate::from_ymd_opt(year, month, d))
}

impl Schedule {
    /// Whether the job runs more than once.
    pub fn is_recurring(&self) -> bool {
        !matches!(self, Schedule::Once)
    }

    /// The first run time strictly after `t`; `None` for `once` (and a cron expression that
    /// never matches again).
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Schedule::Once => None,
            Schedule::Daily { at } => {
                let today = at_day(t.date_naive(), *at);
                Some(if today > t {
                    today
                } else {
                    today + Duration::days(1)
                })
            }
            Schedule::Weekly { day, at } => {
                let mut date = t.date_naive();
                for _ in 0..8 {
                    if date.weekday() == *day && at_day(date, *at) > t {
                        return Some(at_day(date, *at));
                    }
                    date = date.succ_opt()?;
                }
                None
            }
            Schedule::Monthly { day, at } => {
                let (mut y, mut m) = (t.year(), t.month());
                for _ in 0..3 {
                    let cand = at_day(month_day(y, m, *day)?, *at);
                    if cand > t {
                        return Some(cand);
                    }
                    if m == 12 {
                        (y, m) = (y + 1, 1);
                    } else {
                        m += 1;
                    }
                }
                None
            }
            Schedule::Cron(cron, _) => cron.find_next_occurrence(&t, false).ok(),
        }
    }

    /// The first run of a job created at `created`: one-time and daily jobs start at once, as
    /// do weekly and monthly jobs whose day is today (as Macie's jobs do); the others at their
    /// next occurrence.
    pub fn first_run(&self, created: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Schedule::Once | Schedule::Daily { .. } => Some(created),
            Schedule::Weekly { day, .. } if created.weekday() == *day => Some(created),
            Schedule::Monthly { day, .. }
                if month_day(created.year(), created.month(), *day)
                    == Some(created.date_naive()) =>
            {
                Some(created)
            }
            _ => self.next_after(created),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn parses_and_prints() {
        for (src, shown) in [
            ("once", "once"),
            ("daily", "daily 00:00"),
            ("Daily 02:30", "daily 02:30"),
            ("weekly monday", "weekly MONDAY 00:00"),
            ("weekly FRIDAY 23:05", "weekly FRIDAY 23:05"),
            ("monthly 31 01:00", "monthly 31 01:00"),
            ("cron 0 3 * * MON-FRI", "cron 0 3 * * MON-FRI"),
            ("cron: */15 * * * *", "cron */15 * * * *"),
        ] {
            assert_eq!(src.parse::<Schedule>().unwrap().to_string(), shown, "{src}");
        }
        for bad in [
            "",
            "hourly",
            "weekly",
            "weekly noday",
            "monthly 0",
            "monthly 32",
            "daily 25:00",
            "cron 1 2 3",
            "cron 99 * * * *",
            "once 10:00",
        ] {
            assert!(bad.parse::<Schedule>().is_err(), "{bad}");
        }
    }

    #[test]
    fn next_runs() {
        let daily: Schedule = "daily 02:00".parse().unwrap();
        assert_eq!(
            daily.next_after(t("2026-03-01T01:00:00Z")),
            Some(t("2026-03-01T02:00:00Z"))
        );
        assert_eq!(
            daily.next_after(t("2026-03-01T02:00:00Z")),
            Some(t("2026-03-02T02:00:00Z"))
        );
        // 2026-03-04 is a Wednesday.
        let weekly: Schedule = "weekly MONDAY".parse().unwrap();
        assert_eq!(
            weekly.next_after(t("2026-03-04T10:00:00Z")),
            Some(t("2026-03-09T00:00:00Z"))
        );
        let monthly: Schedule = "monthly 31".parse().unwrap();
        assert_eq!(
            monthly.next_after(t("2026-02-10T00:00:00Z")),
            Some(t("2026-02-28T00:00:00Z"))
        );
        assert_eq!(
            monthly.next_after(t("2026-02-28T00:00:00Z")),
            Some(t("2026-03-31T00:00:00Z"))
        );
        let cron: Schedule = "cron 30 4 * * *".parse().unwrap();
        assert_eq!(
            cron.next_after(t("2026-03-04T10:00:00Z")),
            Some(t("2026-03-05T04:30:00Z"))
        );
        assert_eq!(Schedule::Once.next_after(t("2026-03-04T10:00:00Z")), None);
    }

    #[test]
    fn first_runs() {
        let now = t("2026-03-04T10:00:00Z"); // Wednesday
        assert_eq!(Schedule::Once.first_run(now), Some(now));
        let w: Schedule = "weekly WEDNESDAY 08:00".parse().unwrap();
        assert_eq!(w.first_run(now), Some(now));
        let w: Schedule = "weekly MONDAY".parse().unwrap();
        assert_eq!(w.first_run(now), Some(t("2026-03-09T00:00:00Z")));
        let m: Schedule = "monthly 4".parse().unwrap();
        assert_eq!(m.first_run(now), Some(now));
    }
}
