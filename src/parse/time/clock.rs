//! The [`Clock`]: stamps to Unix seconds (with the year hint and the
//! zone), and Unix seconds back to RFC 3339 text for output.

use chrono::{FixedOffset, Local, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};

use super::{Stamp, YearHint, Zone};

/// Converts stamps to Unix seconds, remembering the last conversion and the
/// zone offset of the last local hour.
#[derive(Debug, Clone)]
pub struct Clock {
    zone: Zone,
    hint: YearHint,
    last: Option<(Stamp, Option<i64>)>,
    /// (naive hour number, offset seconds) of the last local conversion.
    hour_offset: Option<(i64, i64)>,
}

impl Clock {
    pub fn new(zone: Zone, hint: YearHint) -> Clock {
        Clock {
            zone,
            hint,
            last: None,
            hour_offset: None,
        }
    }

    /// Unix seconds of a stamp; `None` for impossible dates (Feb 30).
    pub fn resolve(&mut self, st: &Stamp) -> Option<i64> {
        if let Some((prev, v)) = &self.last
            && prev == st
        {
            return *v;
        }
        let v = self.convert(st);
        self.last = Some((*st, v));
        v
    }

    fn convert(&mut self, st: &Stamp) -> Option<i64> {
        let year = st.year.unwrap_or_else(|| self.hint.year_for(st.month));
        let naive: NaiveDateTime = NaiveDate::from_ymd_opt(year, st.month, st.day)?.and_hms_opt(
            st.hour,
            st.minute,
            st.second.min(59),
        )?;
        let naive_secs = naive.and_utc().timestamp();
        let offset = match (st.offset, self.zone) {
            (Some(o), _) => i64::from(o),
            (None, Zone::Utc) => 0,
            (None, Zone::Fixed(o)) => i64::from(o),
            (None, Zone::Local) => self.local_offset(naive, naive_secs),
        };
        Some(naive_secs - offset)
    }

    fn local_offset(&mut self, naive: NaiveDateTime, naive_secs: i64) -> i64 {
        let hour = naive_secs.div_euclid(3600);
        if let Some((h, o)) = self.hour_offset
            && h == hour
        {
            return o;
        }
        let o = match Local.from_local_datetime(&naive).earliest() {
            Some(dt) => i64::from(dt.offset().fix().local_minus_utc()),
            // A local time skipped by a DST jump: use the offset an hour later.
            None => Local
                .from_local_datetime(&(naive + chrono::Duration::hours(1)))
                .earliest()
                .map_or(0, |dt| i64::from(dt.offset().fix().local_minus_utc())),
        };
        self.hour_offset = Some((hour, o));
        o
    }
}

/// Formats Unix seconds as RFC 3339 in the given zone (for output).
pub fn format_rfc3339(secs: i64, zone: Zone) -> String {
    let utc = match Utc.timestamp_opt(secs, 0).single() {
        Some(t) => t,
        None => return String::new(),
    };
    match zone {
        Zone::Utc => utc.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Zone::Fixed(o) => {
            let off = FixedOffset::east_opt(o)
                .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"));
            utc.with_timezone(&off)
                .format("%Y-%m-%dT%H:%M:%S%:z")
                .to_string()
        }
        Zone::Local => utc
            .with_timezone(&Local)
            .format("%Y-%m-%dT%H:%M:%S%:z")
            .to_string(),
    }
}
