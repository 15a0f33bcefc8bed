//! What an operator watches, in the Prometheus text format at `GET /metrics`: requests by
//! route and status with their latency, the changes committed, the group commit's batch
//! sizes, waits for a pooled connection, and how long plans and route searches take.
//!
//! One registry per process: counters are of this process (several sweep processes are
//! scraped one by one, as Prometheus does). No label carries personal data: requests are
//! counted by their route's pattern (`/api/v1/resident/tickets/{ticket}`), never the path.

use std::sync::LazyLock;
use std::time::Duration;

use prometheus::{
    exponential_buckets, Histogram, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    request_seconds: HistogramVec,
    committed: IntCounterVec,
    group_sizes: Histogram,
    pool_wait_seconds: Histogram,
    plan_seconds: HistogramVec,
    pool_connections: IntGaugeVec,
    reads: IntCounterVec,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

/// This process's metrics.
pub fn get() -> &'static Metrics {
    &METRICS
}

impl Metrics {
    fn new() -> Metrics {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("sweep_http_requests_total", "HTTP requests answered"),
            &["method", "route", "status"],
        )
        .expect("a valid counter");
        let request_seconds = HistogramVec::new(
            HistogramOpts::new(
                "sweep_http_request_duration_seconds",
                "Time from a request's arrival to its answer",
            )
            .buckets(exponential_buckets(0.000_25, 2.0, 16).expect("valid buckets")),
            &["method", "route"],
        )
        .expect("a valid histogram");
        let committed = IntCounterVec::new(
            Opts::new(
                "sweep_changes_committed_total",
                "Changes from phones and the lab committed (not counting replays)",
            ),
            &["change"],
        )
        .expect("a valid counter");
        let group_sizes = Histogram::with_opts(
            HistogramOpts::new(
                "sweep_group_commit_size",
                "Changes committed together by SQLite's group commit",
            )
            .buckets(exponential_buckets(1.0, 2.0, 9).expect("valid buckets")),
        )
        .expect("a valid histogram");
        let pool_wait_seconds = Histogram::with_opts(
            HistogramOpts::new(
                "sweep_pool_wait_seconds",
                "Time spent waiting for a pooled database connection",
            )
            .buckets(exponential_buckets(0.000_01, 4.0, 10).expect("valid buckets")),
        )
        .expect("a valid histogram");
        let plan_seconds = HistogramVec::new(
            HistogramOpts::new(
                "sweep_plan_duration_seconds",
                "Time to plan a round: slots, and the home visits' route search",
            )
            .buckets(exponential_buckets(0.05, 2.0, 12).expect("valid buckets")),
            &["part"],
        )
        .expect("a valid histogram");
        let pool_connections = IntGaugeVec::new(
            Opts::new(
                "sweep_pool_connections",
                "Pooled database connections, open and idle, when scraped",
            ),
            &["state"],
        )
        .expect("a valid gauge");
        let reads = IntCounterVec::new(
            Opts::new(
                "sweep_reads_total",
                "Reads that may go to the replica (database.read_url), by the server that \
                 served them: replica, primary_after_write (the replica had not replayed the \
                 caller's write yet), primary_replica_down",
            ),
            &["served_by"],
        )
        .expect("a valid counter");
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(request_seconds.clone()),
            Box::new(committed.clone()),
            Box::new(group_sizes.clone()),
            Box::new(pool_wait_seconds.clone()),
            Box::new(plan_seconds.clone()),
            Box::new(pool_connections.clone()),
            Box::new(reads.clone()),
        ] {
            registry
                .register(collector)
                .expect("each metric registered once");
        }
        Metrics {
            registry,
            requests,
            request_seconds,
            committed,
            group_sizes,
            pool_wait_seconds,
            plan_seconds,
            pool_connections,
            reads,
        }
    }

    pub fn request(&self, method: &str, route: &str, status: u16, took: Duration) {
        self.requests
            .with_label_values(&[method, route, &status.to_string()])
            .inc();
        self.request_seconds
            .with_label_values(&[method, route])
            .observe(took.as_secs_f64());
    }

    /// A change committed: `scan`, `outcome`, `tube_opened`, `tube_closed`, `result`.
    pub fn committed(&self, change: &str) {
        self.committed.with_label_values(&[change]).inc();
    }

    pub fn group_committed(&self, size: usize) {
        self.group_sizes.observe(size as f64);
    }

    pub fn waited_for_connection(&self, took: Duration) {
        self.pool_wait_seconds.observe(took.as_secs_f64());
    }

    /// `part`: `slots` or `routes`.
    pub fn planned(&self, part: &str, took: Duration) {
        self.plan_seconds
            .with_label_values(&[part])
            .observe(took.as_secs_f64());
    }

    /// A read sent towards the replica, by the server that served it.
    pub fn read_served(&self, served_by: &str) {
        self.reads.with_label_values(&[served_by]).inc();
    }

    pub fn pool(&self, open: u32, idle: u32) {
        self.pool_connections
            .with_label_values(&["open"])
            .set(i64::from(open));
        self.pool_connections
            .with_label_values(&["idle"])
            .set(i64::from(idle));
    }

    /// Every metric, in the Prometheus text format.
    pub fn text(&self) -> String {
        TextEncoder::new()
            .encode_to_string(&self.registry.gather())
            .unwrap_or_else(|e| format!("# metrics could not be written: {e}\n"))
    }
}
