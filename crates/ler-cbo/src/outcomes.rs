//! Outcomes: participants' consent to outcome data, the employment records (from employers,
//! verified; or self-reported, unverified) it covers, and per-program and per-cohort reports in
//! the WIOA primary indicators of performance (TEGL 10-16), released under small-cell
//! suppression ([`crate::suppress`]).
//!
//! Reports are computed only from participants whose latest outcome consent for the program
//! is a grant: a participant who withdraws is left out of the next report. Every figure states
//! its numerator and denominator (or the number of values), how many people and consented
//! records it rests on, and how many of those records are unverified.
//!
//! Definitions (exit = the last day of the participant's cohort):
//! - `employment_q2`, `employment_q4`: share of participants whose 2nd (4th) quarter after the
//!   quarter of exit has ended who were employed at some time in it, by their outcome records.
//! - `median_earnings_q2`: median of the earnings in the 2nd quarter after exit of those
//!   employed then. Earnings are estimated from each record's pay rate (and hours per week for
//!   an hourly rate) over the days of the quarter it covers; a person with a record whose
//!   earnings cannot be estimated (no pay, another currency, a pay period without a fixed
//!   length) is left out.
//! - `credential_attainment`: share of exited participants who completed a milestone marked as
//!   a recognized credential by one year after exit (a credential or staff entry; waivers do not
//!   count: they were held before).
//! - `measurable_skill_gains`: share of participants whose cohort has started who completed at
//!   least one milestone during their participation (waivers do not count).
//! - `median_wage_before`: median hourly wage of the job held most recently in the year before
//!   the cohort started (the one that ended last, a current one first; the best-paid on a tie).
//! - `median_wage_after`: median hourly wage in the 2nd quarter after exit (the best-paid job
//!   held then). Non-hourly pay needs hours per week to give an hourly wage.
//! - `records_earned`: milestone credentials earned (verified credentials only), and per
//!   milestone the share of participants who earned it (`records_earned:<achievement id>`).
//! - `participants`: the consenting participants the report covers (resting on their consents).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::CboError;
use crate::csv;
use crate::date::{Date, Quarter};
use crate::program::{Cohort, Program, check_id};
use crate::record::{SharedRecord, items, text};
use crate::suppress::{DEFAULT_K, ReleaseLog, Released, Suppression, decide};
use crate::tracking::{EventSource, ProgressEvent, ResultStatus};

#[cfg(test)]
mod tests;

/// A participant's grant or refusal (or withdrawal) of consent to outcome data for a program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutcomeConsent {
    /// The participant.
    pub participant: String,
    /// The program.
    pub program: String,
    /// Granted (true) or declined / withdrawn (false).
    pub granted: bool,
    /// When, seconds since the epoch.
    pub at: i64,
}

/// Whether a participant's latest consent for a program is a grant (time order, ties in log
/// order).
pub fn consented(consents: &[OutcomeConsent], program: &str, participant: &str) -> bool {
    let mut latest: Option<&OutcomeConsent> = None;
    for c in consents
        .iter()
        .filter(|c| c.program == program && c.participant == participant)
    {
        if latest.is_none_or(|l| c.at >= l.at) {
            latest = Some(c);
        }
    }
    latest.is_some_and(|c| c.granted)
}

/// Where outcome data came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum OutcomeSource {
    /// An employment record its employer issued, shared by the participant.
    #[serde(rename_all = "camelCase")]
    EmployerRecord {
        /// The shared record.
        record_id: String,
        /// The employer's (issuer's) id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        issuer: Option<String>,
    },
    /// Told by the participant (a survey, a call).
    SelfReported,
}

/// A pay rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pay {
    /// Amount per period.
    pub amount: f64,
    /// ISO 4217 currency.
    pub currency: String,
    /// HR Open `PayRateIntervalCodeList` term (`Hour`, `Week`, `Month`, `Year`, …).
    pub period: String,
}

/// One job a participant held, as outcome data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutcomeRecord {
    /// Id, unique in the organization.
    pub id: String,
    /// The participant.
    pub participant: String,
    /// Where it came from.
    pub source: OutcomeSource,
    /// True only for an employer's record that verified; self-reported data never is.
    pub verified: bool,
    /// The employer's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employer: Option<String>,
    /// First day.
    pub start: Date,
    /// Last day (none while current).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<Date>,
    /// Hours per week.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours_per_week: Option<f64>,
    /// Pay rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay: Option<Pay>,
    /// When it was received, seconds since the epoch.
    pub reported_at: i64,
}

/// Pay periods in a quarter, for the periods of fixed length (hourly pay goes by hours).
fn periods_per_quarter(period: &str) -> Option<f64> {
    Some(match period {
        "Week" => 13.0,
        "TwoWeeks" | "TwoWeek26" => 6.5,
        "TwoWeek24" | "HalfMonth" => 6.0,
        "FourWeeks" => 3.25,
        "Month" => 3.0,
        "TwoMonths" => 1.5,
        "Quarter" => 1.0,
        "HalfYear" => 0.5,
        "Year" => 0.25,
        _ => return None,
    })
}

impl OutcomeRecord {
    /// The outcome record of a shared employment record (ler's `EmploymentCredential`, or an
    /// SD-JWT VC of one): verified when the verifier's report says so. `Invalid` when it is not
    /// an employment record or has no readable start date.
    pub fn from_employment_record(
        id: &str,
        participant: &str,
        record: &SharedRecord,
    ) -> Result<OutcomeRecord, CboError> {
        let read = record
            .read()
            .map_err(|e| CboError::invalid("employment record", e))?;
        if read.kind != ler_wallet::RecordKind::Employment {
            return Err(CboError::invalid(
                "employment record",
                format!("record {} is not an employment record", record.record_id),
            ));
        }
        let subject: &Value = if read.json.get("vct").is_some() {
            &read.json
        } else {
            items(read.json.get("credentialSubject"))
                .first()
                .unwrap_or(&Value::Null)
        };
        let start = text(subject.get("startDate"))
            .and_then(|s| Date::of_text(&s))
            .ok_or_else(|| {
                CboError::invalid(
                    "employment record",
                    format!("record {} has no readable startDate", record.record_id),
                )
            })?;
        let pay = subject.get("pay").and_then(|p| {
            Some(Pay {
                amount: p.get("amount")?.as_f64().filter(|a| *a >= 0.0)?,
                currency: text(p.get("currency"))?,
                period: text(p.get("period")).unwrap_or_else(|| "Hour".to_owned()),
            })
        });
        let out = OutcomeRecord {
            id: id.to_owned(),
            participant: participant.to_owned(),
            source: OutcomeSource::EmployerRecord {
                record_id: record.record_id.clone(),
                issuer: read.summary.issuer.clone(),
            },
            verified: read.provenance.verified,
            employer: read
                .summary
                .employment
                .as_ref()
                .and_then(|e| e.employer.clone()),
            start,
            end: text(subject.get("endDate")).and_then(|s| Date::of_text(&s)),
            hours_per_week: subject
                .get("hoursPerWeek")
                .and_then(Value::as_f64)
                .filter(|h| (0.0..=168.0).contains(h)),
            pay,
            reported_at: record.verified_at,
        };
        out.check()?;
        Ok(out)
    }

    /// Checks ids, the dates' order, hours and pay.
    pub fn check(&self) -> Result<(), CboError> {
        check_id("outcome record", &self.id)?;
        check_id("participant", &self.participant)?;
        if self.end.is_some_and(|e| e < self.start) {
            return Err(CboError::invalid(
                "outcome record",
                format!("{} ends before it starts", self.id),
            ));
        }
        if self
            .hours_per_week
            .is_some_and(|h| !(0.0..=168.0).contains(&h))
        {
            return Err(CboError::invalid(
                "outcome record",
                format!("{}: hours per week out of range", self.id),
            ));
        }
        if self
            .pay
            .as_ref()
            .is_some_and(|p| !p.amount.is_finite() || p.amount < 0.0)
        {
            return Err(CboError::invalid(
                "outcome record",
                format!("{}: pay is not a non-negative number", self.id),
            ));
        }
        Ok(())
    }

    /// Days of `[first, last]` the job covers.
    fn days_in(&self, first: Date, last: Date) -> i64 {
        let from = self.start.max(first);
        let to = self.end.map_or(last, |e| e.min(last));
        (to.days() - from.days() + 1).max(0)
    }

    /// Whether the job covers some day of the quarter.
    fn employed_in(&self, q: Quarter) -> bool {
        self.days_in(q.first_day(), q.last_day()) > 0
    }

    /// Earnings over a whole quarter at this rate, in `currency`.
    fn full_quarter(&self, currency: &str) -> Option<f64> {
        let pay = self.pay.as_ref().filter(|p| p.currency == currency)?;
        match pay.period.as_str() {
            "Hour" => Some(pay.amount * self.hours_per_week? * 13.0),
            period => Some(pay.amount * periods_per_quarter(period)?),
        }
    }

    /// Estimated earnings in a quarter (over the days it covers).
    fn earnings_in(&self, q: Quarter, currency: &str) -> Option<f64> {
        let days = self.days_in(q.first_day(), q.last_day());
        Some(self.full_quarter(currency)? * days as f64 / q.days() as f64)
    }

    /// The hourly wage, in `currency`.
    fn hourly(&self, currency: &str) -> Option<f64> {
        let pay = self.pay.as_ref().filter(|p| p.currency == currency)?;
        if pay.period == "Hour" {
            return Some(pay.amount);
        }
        let hours = self.hours_per_week.filter(|h| *h > 0.0)?;
        Some(self.full_quarter(currency)? / (hours * 13.0))
    }
}

/// How reports are released.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    /// The fewest people a released figure may rest on (and the smallest group differencing
    /// may isolate).
    pub k: usize,
    /// The currency money figures are in; records in others are left out of them.
    pub currency: String,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            k: DEFAULT_K,
            currency: "USD".to_owned(),
        }
    }
}

/// What a report covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "cohort", rename_all = "camelCase")]
pub enum Scope {
    /// The whole program, with a section per cohort.
    Program,
    /// One cohort.
    Cohort(String),
}

/// The data a report is computed from (everything the organization holds; the report keeps
/// only what consent allows).
#[derive(Debug, Clone, Copy)]
pub struct OutcomeInputs<'a> {
    /// The program, with its cohorts.
    pub program: &'a Program,
    /// Every consent event.
    pub consents: &'a [OutcomeConsent],
    /// Every outcome record.
    pub records: &'a [OutcomeRecord],
    /// Every progress event.
    pub events: &'a [ProgressEvent],
    /// The day the report is as of (quarters must have ended by then to count).
    pub as_of: Date,
}

/// What a figure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FigureKind {
    /// numerator / denominator.
    Rate,
    /// The median of one value per person.
    Median,
    /// A number of people or records.
    Count,
}

/// One released (or suppressed) figure: aggregates only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Figure {
    /// The measure's key.
    pub measure: String,
    /// What it is, in words.
    pub label: String,
    /// Rate, median or count.
    pub kind: FigureKind,
    /// The figure (a rate from 0 to 1 to 4 decimals; money to 2 decimals); none when
    /// suppressed or when nobody is measurable yet.
    pub value: Option<f64>,
    /// A rate's numerator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numerator: Option<u64>,
    /// A rate's denominator, or the number of values of a median.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denominator: Option<u64>,
    /// The people it rests on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub people: Option<u64>,
    /// The consented records (outcome records, or credentials and progress entries) it rests on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records: Option<u64>,
    /// How many of those records are unverified (self-reported, or entered by staff).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unverified: Option<u64>,
    /// Why it is suppressed, when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<String>,
}

/// The figures of one group: the whole scope, or one cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportSection {
    /// The cohort; none for the whole program.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cohort: Option<String>,
    /// Its name.
    pub name: String,
    /// Its figures.
    pub figures: Vec<Figure>,
}

/// An outcome report as released: aggregates only, no per-person data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutcomeReport {
    /// The report's id.
    pub id: String,
    /// The program's id.
    pub program: String,
    /// The program's name.
    pub program_name: String,
    /// What it covers.
    pub scope: Scope,
    /// The day it is as of.
    pub as_of: Date,
    /// When it was released, seconds since the epoch.
    pub released_at: i64,
    /// The suppression threshold it was released under.
    pub k: usize,
    /// The sections: the whole scope first, then (for a program) each cohort.
    pub sections: Vec<ReportSection>,
    /// How to read it.
    pub notes: Vec<String>,
}

/// What funders and evaluators see: released reports, which hold aggregates only (the type
/// has no place for per-person data).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunderView {
    /// The released reports.
    pub reports: Vec<OutcomeReport>,
}

impl FunderView {
    /// A view of released reports.
    pub fn new(reports: Vec<OutcomeReport>) -> FunderView {
        FunderView { reports }
    }

    /// Every report's figures as one CSV table.
    pub fn to_csv(&self) -> String {
        let mut rows = vec![csv_header()];
        for r in &self.reports {
            rows.extend(r.csv_rows());
        }
        csv::write(&rows)
    }
}

fn csv_header() -> Vec<String> {
    [
        "report",
        "program",
        "as_of",
        "cohort",
        "measure",
        "label",
        "kind",
        "value",
        "numerator",
        "denominator",
        "people",
        "records",
        "unverified",
        "suppressed",
    ]
    .map(str::to_owned)
    .to_vec()
}

fn num<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

impl OutcomeReport {
    /// The report as JSON.
    pub fn to_json(&self) -> Value {
        // Serializing these plain structs cannot fail.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The report as CSV: one row per figure.
    pub fn to_csv(&self) -> String {
        let mut rows = vec![csv_header()];
        rows.extend(self.csv_rows());
        csv::write(&rows)
    }

    fn csv_rows(&self) -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        for s in &self.sections {
            for f in &s.figures {
                rows.push(vec![
                    self.id.clone(),
                    self.program.clone(),
                    self.as_of.to_string(),
                    s.cohort.clone().unwrap_or_default(),
                    f.measure.clone(),
                    f.label.clone(),
                    match f.kind {
                        FigureKind::Rate => "rate",
                        FigureKind::Median => "median",
                        FigureKind::Count => "count",
                    }
                    .to_owned(),
                    num(f.value),
                    num(f.numerator),
                    num(f.denominator),
                    num(f.people),
                    num(f.records),
                    num(f.unverified),
                    f.suppressed.clone().unwrap_or_default(),
                ]);
            }
        }
        rows
    }
}

/// A figure before release: its numbers and the people and records behind it.
struct Draft<'a> {
    measure: String,
    label: String,
    kind: FigureKind,
    value: Option<f64>,
    numerator: Option<u64>,
    denominator: Option<u64>,
    population: BTreeSet<&'a str>,
    records: BTreeSet<&'a str>,
    unverified: BTreeSet<&'a str>,
}

fn round(x: f64, places: i32) -> f64 {
    let m = 10f64.powi(places);
    (x * m).round() / m
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    })
}

/// Participants with their cohorts.
type Members<'a> = Vec<(&'a str, &'a Cohort)>;

/// Each participant's outcome records, and their progress events in the program in time
/// order (ties in log order).
struct Index<'a> {
    records: BTreeMap<&'a str, Vec<&'a OutcomeRecord>>,
    events: BTreeMap<&'a str, Vec<&'a ProgressEvent>>,
}

impl<'a> Index<'a> {
    fn new(inputs: &OutcomeInputs<'a>) -> Index<'a> {
        let mut records: BTreeMap<&str, Vec<&OutcomeRecord>> = BTreeMap::new();
        for r in inputs.records {
            records.entry(&r.participant).or_default().push(r);
        }
        let mut events: BTreeMap<&str, Vec<&ProgressEvent>> = BTreeMap::new();
        for e in inputs
            .events
            .iter()
            .filter(|e| e.program == inputs.program.id)
        {
            events.entry(&e.participant).or_default().push(e);
        }
        for list in events.values_mut() {
            list.sort_by_key(|e| e.at);
        }
        Index { records, events }
    }
}

/// The people of one group with what the measures need.
struct Group<'a> {
    inputs: OutcomeInputs<'a>,
    policy: &'a Policy,
    index: &'a Index<'a>,
    /// Consenting participants and their cohort.
    people: Vec<(&'a str, &'a Cohort)>,
}

impl<'a> Group<'a> {
    fn records_of(&self, person: &str) -> impl Iterator<Item = &'a OutcomeRecord> + use<'a> {
        self.index
            .records
            .get(person)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .copied()
    }

    /// The status of a milestone for a person at the end of `cutoff`, and the event it rests
    /// on (ignoring waivers and events before `from`).
    fn earned(
        &self,
        person: &str,
        achievement: &str,
        from: Date,
        cutoff: Date,
    ) -> Option<&'a ProgressEvent> {
        let latest = self
            .index
            .events
            .get(person)?
            .iter()
            .rev()
            .find(|e| e.achievement_id == achievement && Date::of_timestamp(e.at) <= cutoff)?;
        (latest.status == ResultStatus::Completed
            && !matches!(latest.source, EventSource::Waiver { .. })
            && Date::of_timestamp(latest.at) >= from)
            .then_some(*latest)
    }

    fn rate(
        &self,
        measure: &str,
        label: &str,
        denominator: Vec<(&'a str, &'a Cohort)>,
        in_numerator: impl Fn(&'a str, &'a Cohort) -> (bool, Vec<(&'a str, bool)>),
    ) -> Draft<'a> {
        let mut d = self.draft(measure, label, FigureKind::Rate);
        let mut numerator = 0u64;
        for (person, cohort) in denominator {
            let (yes, records) = in_numerator(person, cohort);
            numerator += u64::from(yes);
            d.population.insert(person);
            for (id, verified) in records {
                d.records.insert(id);
                if !verified {
                    d.unverified.insert(id);
                }
            }
        }
        let n = d.population.len() as u64;
        if n > 0 {
            d.numerator = Some(numerator);
            d.denominator = Some(n);
            d.value = Some(round(numerator as f64 / n as f64, 4));
        }
        d
    }

    fn median(
        &self,
        measure: &str,
        label: &str,
        candidates: Vec<(&'a str, &'a Cohort)>,
        value_of: impl Fn(&'a str, &'a Cohort) -> Option<(f64, Vec<&'a OutcomeRecord>)>,
    ) -> Draft<'a> {
        let mut d = self.draft(measure, label, FigureKind::Median);
        let mut values = Vec::new();
        for (person, cohort) in candidates {
            if let Some((v, records)) = value_of(person, cohort) {
                values.push(v);
                d.population.insert(person);
                for r in records {
                    d.records.insert(&r.id);
                    if !r.verified {
                        d.unverified.insert(&r.id);
                    }
                }
            }
        }
        d.denominator = (!values.is_empty()).then_some(values.len() as u64);
        d.value = median(values).map(|m| round(m, 2));
        d
    }

    fn draft(&self, measure: &str, label: &str, kind: FigureKind) -> Draft<'a> {
        Draft {
            measure: measure.to_owned(),
            label: label.to_owned(),
            kind,
            value: None,
            numerator: None,
            denominator: None,
            population: BTreeSet::new(),
            records: BTreeSet::new(),
            unverified: BTreeSet::new(),
        }
    }

    /// People whose `n`-th quarter after exit has ended.
    fn measurable(&self, n: i64) -> Vec<(&'a str, &'a Cohort)> {
        self.people
            .iter()
            .filter(|(_, c)| c.end.quarter().plus(n).last_day() <= self.inputs.as_of)
            .copied()
            .collect()
    }

    fn everyone(&self) -> Vec<(&'a str, &'a Cohort)> {
        self.people.clone()
    }

    fn employment(&self, n: i64) -> Draft<'a> {
        let label = match n {
            2 => "Employment rate, 2nd quarter after exit",
            _ => "Employment rate, 4th quarter after exit",
        };
        self.rate(
            &format!("employment_q{n}"),
            label,
            self.measurable(n),
            |person, cohort| {
                let q = cohort.end.quarter().plus(n);
                let used: Vec<(&str, bool)> = self
                    .records_of(person)
                    .filter(|r| r.employed_in(q))
                    .map(|r| (r.id.as_str(), r.verified))
                    .collect();
                (!used.is_empty(), used)
            },
        )
    }

    fn drafts(&self) -> Vec<Draft<'a>> {
        let program = self.inputs.program;
        let currency = self.policy.currency.as_str();
        let as_of = self.inputs.as_of;
        let mut out = Vec::new();

        let mut participants = self.draft(
            "participants",
            "Participants consenting to outcome data",
            FigureKind::Count,
        );
        participants.population = self.people.iter().map(|(p, _)| *p).collect();
        // It rests on their consents.
        participants.records = participants.population.clone();
        let n = participants.population.len() as u64;
        participants.value = Some(n as f64);
        out.push(participants);

        out.push(self.employment(2));
        out.push(self.employment(4));

        out.push(self.median(
            "median_earnings_q2",
            "Median earnings, 2nd quarter after exit",
            self.measurable(2),
            |person, cohort| {
                let q = cohort.end.quarter().plus(2);
                let jobs: Vec<&OutcomeRecord> = self
                    .records_of(person)
                    .filter(|r| r.employed_in(q))
                    .collect();
                if jobs.is_empty() {
                    return None;
                }
                let total = jobs
                    .iter()
                    .map(|r| r.earnings_in(q, currency))
                    .sum::<Option<f64>>()?;
                Some((total, jobs))
            },
        ));

        let exited: Vec<(&str, &Cohort)> = self
            .people
            .iter()
            .filter(|(_, c)| c.end <= as_of)
            .copied()
            .collect();
        out.push(self.rate(
            "credential_attainment",
            "Credential attainment rate",
            exited,
            |person, c| {
                let cutoff = c.end.plus_one_year().min(as_of);
                let used: Vec<(&str, bool)> = program
                    .milestones
                    .iter()
                    .filter(|m| m.credential)
                    .filter_map(|m| self.earned(person, &m.achievement_id, c.start, cutoff))
                    .map(event_record)
                    .collect();
                (!used.is_empty(), used)
            },
        ));

        let started: Vec<(&str, &Cohort)> = self
            .people
            .iter()
            .filter(|(_, c)| c.start <= as_of)
            .copied()
            .collect();
        out.push(self.rate(
            "measurable_skill_gains",
            "Measurable skill gains rate",
            started,
            |person, c| {
                let used: Vec<(&str, bool)> = program
                    .milestones
                    .iter()
                    .filter_map(|m| {
                        self.earned(person, &m.achievement_id, c.start, c.end.min(as_of))
                    })
                    .map(event_record)
                    .collect();
                (!used.is_empty(), used)
            },
        ));

        // The wage of the job held last in [first, last] (latest end, a current job latest of
        // all), the best-paid on a tie.
        let wage = |person: &'a str, first: Date, last: Date| {
            self.records_of(person)
                .filter(|r| r.days_in(first, last) > 0)
                .filter_map(|r| Some((r.end.unwrap_or(last).min(last), r.hourly(currency)?, r)))
                .max_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)))
                .map(|(_, w, r)| (w, vec![r]))
        };
        out.push(self.median(
            "median_wage_before",
            "Median hourly wage before the program",
            self.everyone(),
            |person, cohort| {
                let day = cohort.start.plus_days(-1);
                wage(person, day.plus_days(-364), day)
            },
        ));
        out.push(self.median(
            "median_wage_after",
            "Median hourly wage, 2nd quarter after exit",
            self.measurable(2),
            |person, cohort| {
                let q = cohort.end.quarter().plus(2);
                wage(person, q.first_day(), q.last_day())
            },
        ));

        // Records earned: verified milestone credentials.
        let credential_events = |person: &'a str, c: &'a Cohort, achievement: &str| {
            self.earned(person, achievement, c.start, as_of)
                .filter(|e| matches!(e.source, EventSource::Credential { .. }))
        };
        let mut total = self.draft(
            "records_earned",
            "Milestone credentials earned",
            FigureKind::Count,
        );
        let mut count = 0u64;
        for &(person, c) in &self.people {
            total.population.insert(person);
            for m in &program.milestones {
                if let Some(e) = credential_events(person, c, &m.achievement_id) {
                    count += 1;
                    total.records.insert(event_record(e).0);
                }
            }
        }
        total.value = Some(count as f64);
        out.push(total);
        for m in &program.milestones {
            out.push(self.rate(
                &format!("records_earned:{}", m.achievement_id),
                &format!("Share who earned {}", m.name),
                self.everyone(),
                |person, c| {
                    let used: Vec<(&str, bool)> = credential_events(person, c, &m.achievement_id)
                        .map(event_record)
                        .into_iter()
                        .collect();
                    (!used.is_empty(), used)
                },
            ));
        }
        out
    }
}

/// The record an event rests on, and whether it is verified (a credential is; a staff entry is
/// not).
fn event_record(e: &ProgressEvent) -> (&str, bool) {
    match &e.source {
        EventSource::Credential { record_id, .. } => (record_id.as_str(), true),
        EventSource::Staff { .. } | EventSource::Waiver { .. } => {
            (e.achievement_id.as_str(), false)
        }
    }
}

/// Computes and releases an outcome report: the figures of the whole scope, then (for a
/// program) of each cohort from the largest down, each released or suppressed by the rule of
/// [`crate::suppress`] against `log` and the figures released before it in this report.
/// Returns the report and the log entries to append for what it released; store those before
/// handing the report out (and refuse the release if the log changed meanwhile).
pub fn release_report(
    inputs: OutcomeInputs<'_>,
    scope: &Scope,
    policy: &Policy,
    log: &ReleaseLog,
    report_id: &str,
    now: i64,
) -> Result<(OutcomeReport, Vec<Released>), CboError> {
    let program = inputs.program;
    program.check()?;
    if policy.k == 0 {
        return Err(CboError::invalid("policy", "k must be at least 1"));
    }
    fn consenting<'c>(inputs: &OutcomeInputs<'_>, c: &'c Cohort) -> Vec<(&'c str, &'c Cohort)> {
        c.participants
            .iter()
            .filter(|p| consented(inputs.consents, &inputs.program.id, p))
            .map(|p| (p.as_str(), c))
            .collect()
    }
    // (cohort id, name, people), the whole scope first.
    let mut groups: Vec<(Option<String>, String, Members<'_>)> = Vec::new();
    match scope {
        Scope::Program => {
            let everyone = program
                .cohorts
                .iter()
                .flat_map(|c| consenting(&inputs, c))
                .collect();
            groups.push((None, program.name.clone(), everyone));
            let mut cohorts: Vec<_> = program
                .cohorts
                .iter()
                .map(|c| (Some(c.id.clone()), c.name.clone(), consenting(&inputs, c)))
                .collect();
            cohorts.sort_by(|a, b| b.2.len().cmp(&a.2.len()).then_with(|| a.0.cmp(&b.0)));
            groups.extend(cohorts);
        }
        Scope::Cohort(id) => {
            let c = program.cohort(id).ok_or_else(|| {
                CboError::invalid("cohort", format!("{id} is not in {}", program.id))
            })?;
            groups.push((Some(c.id.clone()), c.name.clone(), consenting(&inputs, c)));
        }
    }
    let mut released: Vec<Released> = Vec::new();
    let mut sections = Vec::new();
    let mut pending: BTreeMap<String, Vec<BTreeSet<&str>>> = BTreeMap::new();
    let index = Index::new(&inputs);
    for (cohort, name, people) in &groups {
        let group = Group {
            inputs,
            policy,
            index: &index,
            people: people.clone(),
        };
        let mut figures = Vec::new();
        for d in group.drafts() {
            let before = pending
                .entry(d.measure.clone())
                .or_insert_with(|| log.populations(&program.id, &d.measure));
            match decide(&d.population, before, policy.k) {
                Ok(()) => {
                    if !d.population.is_empty() {
                        before.push(d.population.clone());
                        released.push(Released {
                            program: program.id.clone(),
                            measure: d.measure.clone(),
                            report: report_id.to_owned(),
                            population: d.population.iter().map(|p| (*p).to_owned()).collect(),
                            at: now,
                        });
                    }
                    figures.push(Figure {
                        measure: d.measure,
                        label: d.label,
                        kind: d.kind,
                        value: d.value,
                        numerator: d.numerator,
                        denominator: d.denominator,
                        people: Some(d.population.len() as u64),
                        records: Some(d.records.len() as u64),
                        unverified: Some(d.unverified.len() as u64),
                        suppressed: None,
                    });
                }
                Err(why) => figures.push(suppressed(d, why, policy.k)),
            }
        }
        sections.push(ReportSection {
            cohort: cohort.clone(),
            name: name.clone(),
            figures,
        });
    }
    let report = OutcomeReport {
        id: report_id.to_owned(),
        program: program.id.clone(),
        program_name: program.name.clone(),
        scope: scope.clone(),
        as_of: inputs.as_of,
        released_at: now,
        k: policy.k,
        sections,
        notes: vec![
            "Computed only from participants who consent to outcome data; a withdrawn consent leaves the person out.".to_owned(),
            format!("No figure rests on fewer than {} people, and none can be combined with figures already released to show a smaller group; such figures are suppressed.", policy.k),
            "Rates run from 0 to 1. Earnings are estimated from reported pay rates; unverified counts self-reported records and staff entries.".to_owned(),
        ],
    };
    Ok((report, released))
}

fn suppressed(d: Draft<'_>, why: Suppression, k: usize) -> Figure {
    Figure {
        measure: d.measure,
        label: d.label,
        kind: d.kind,
        value: None,
        numerator: None,
        denominator: None,
        people: None,
        records: None,
        unverified: None,
        suppressed: Some(why.describe(k)),
    }
}
