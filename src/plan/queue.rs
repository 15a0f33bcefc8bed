//! Queue prediction at a sampling site during one slot, by queueing formulas.
//!
//! Residents are told a slot and arrive spread over it, which is close to a Poisson
//! stream; the lanes are `c` parallel servers whose swab times vary with a coefficient of
//! variation `cs`. That is an M/G/c queue, predicted with the Allen–Cunneen approximation:
//! the M/M/c (Erlang C) waiting times scaled by `(1 + cs²) / 2`. The formulas describe the
//! steady state; a slot planned at or under the utilisation target (0.85 by default) settles
//! within minutes, so they describe most of the slot. A slot loaded past what its lanes can
//! serve does not settle: its queue grows all through the slot, and a fluid model (arrivals
//! minus service, minute by minute) predicts it instead.

/// What the prediction needs beyond the slot's own numbers (from the configuration).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueueModel {
    /// Share of the planned people who do not come.
    pub no_show_rate: f64,
    /// Coefficient of variation of one swab's duration.
    pub service_cv: f64,
    /// The plan keeps every slot's predicted 90th-percentile wait at or under this.
    pub max_p90_wait_minutes: f64,
}

/// One site's slot as planned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SlotLoad {
    pub planned: u32,
    pub lanes: u32,
    pub per_lane_per_hour: u32,
    /// Minutes of the slot the site is open.
    pub open_minutes: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct QueuePrediction {
    /// Share of the lanes' time spent swabbing.
    pub utilisation: f64,
    pub mean_wait_minutes: f64,
    pub p90_wait_minutes: f64,
    /// People waiting (not being swabbed).
    pub mean_queue: f64,
    pub p90_queue: f64,
}

impl QueueModel {
    pub fn predict(&self, slot: SlotLoad) -> QueuePrediction {
        let servers = f64::from(slot.lanes);
        let service_rate = f64::from(slot.per_lane_per_hour) / 60.0; // per lane, per minute
        let capacity_rate = servers * service_rate;
        if slot.planned == 0 || slot.open_minutes <= 0.0 || capacity_rate <= 0.0 {
            return QueuePrediction {
                utilisation: 0.0,
                mean_wait_minutes: 0.0,
                p90_wait_minutes: 0.0,
                mean_queue: 0.0,
                p90_queue: 0.0,
            };
        }
        let arrival_rate = f64::from(slot.planned) * (1.0 - self.no_show_rate) / slot.open_minutes;
        let utilisation = arrival_rate / capacity_rate;
        if utilisation >= 1.0 {
            // The queue grows by (arrivals − service) every minute of the slot.
            let growth = arrival_rate - capacity_rate;
            let final_queue = growth * slot.open_minutes;
            let final_wait = final_queue / capacity_rate;
            return QueuePrediction {
                utilisation,
                mean_wait_minutes: final_wait / 2.0,
                p90_wait_minutes: final_wait * 0.9,
                mean_queue: final_queue / 2.0,
                p90_queue: final_queue * 0.9,
            };
        }
        let variability = (1.0 + self.service_cv * self.service_cv) / 2.0;
        let p_wait = erlang_c(slot.lanes, arrival_rate / service_rate);
        let drain_rate = capacity_rate - arrival_rate;
        // M/M/c: P(wait > t) = C·e^(−(cμ−λ)t) and P(queue ≥ k) = C·ρ^k.
        let p90_wait = if p_wait > 0.1 {
            (p_wait / 0.1).ln() / drain_rate
        } else {
            0.0
        };
        let p90_queue = if p_wait > 0.1 {
            (0.1 / p_wait).ln() / utilisation.ln()
        } else {
            0.0
        };
        let mean_wait = p_wait / drain_rate;
        QueuePrediction {
            utilisation,
            mean_wait_minutes: variability * mean_wait,
            p90_wait_minutes: variability * p90_wait,
            mean_queue: variability * arrival_rate * mean_wait,
            p90_queue: variability * p90_queue,
        }
    }

    /// The most people a slot can be given while its predicted p90 wait stays at or under
    /// the target and its p90 queue fits the waiting area, never above `throughput_cap`.
    pub fn slot_capacity(&self, slot: SlotLoad, throughput_cap: u32, queue_capacity: u32) -> u32 {
        let fits = |planned: u32| {
            let p = self.predict(SlotLoad { planned, ..slot });
            p.p90_wait_minutes <= self.max_p90_wait_minutes
                && p.p90_queue <= f64::from(queue_capacity)
        };
        // Waits and queues grow with the load: the largest load that fits, by bisection.
        let (mut low, mut high) = (0, throughput_cap);
        if fits(high) {
            return high;
        }
        while high - low > 1 {
            let middle = low + (high - low) / 2;
            if fits(middle) {
                low = middle;
            } else {
                high = middle;
            }
        }
        low
    }
}

/// Erlang's C formula: the probability that an arrival waits, for `servers` servers and
/// offered load `load` (arrival rate ÷ one server's rate), computed by the stable
/// recurrence for Erlang B.
fn erlang_c(servers: u32, load: f64) -> f64 {
    let mut erlang_b = 1.0;
    for k in 1..=servers {
        let k = f64::from(k);
        erlang_b = load * erlang_b / (k + load * erlang_b);
    }
    let rho = load / f64::from(servers);
    erlang_b / (1.0 - rho + rho * erlang_b)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: QueueModel = QueueModel {
        no_show_rate: 0.0,
        service_cv: 1.0,
        max_p90_wait_minutes: 15.0,
    };

    fn slot(planned: u32, lanes: u32) -> SlotLoad {
        SlotLoad {
            planned,
            lanes,
            per_lane_per_hour: 60,
            open_minutes: 60.0,
        }
    }

    #[test]
    fn erlang_c_matches_textbook_values() {
        // One server: the probability of waiting is the utilisation.
        assert!((erlang_c(1, 0.5) - 0.5).abs() < 1e-12);
        // Two servers at load 1 (ρ = 0.5): C = 1/3.
        assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn single_lane_matches_m_m_1() {
        // λ = 0.5/min, μ = 1/min: Wq = ρ/(μ−λ) = 1 min; Lq = λ·Wq = 0.5.
        let p = MODEL.predict(slot(30, 1));
        assert!((p.utilisation - 0.5).abs() < 1e-12);
        assert!((p.mean_wait_minutes - 1.0).abs() < 1e-9, "{p:?}");
        assert!((p.mean_queue - 0.5).abs() < 1e-9, "{p:?}");
        // P(W > t) = ρ·e^(−(μ−λ)t) = 0.1 at t = 2·ln 5.
        assert!((p.p90_wait_minutes - 2.0 * 5f64.ln()).abs() < 1e-9, "{p:?}");
    }

    #[test]
    fn no_shows_and_steady_swabs_shorten_waits() {
        let base = MODEL.predict(slot(50, 1));
        let no_shows = QueueModel {
            no_show_rate: 0.2,
            ..MODEL
        }
        .predict(slot(50, 1));
        let steady = QueueModel {
            service_cv: 0.0,
            ..MODEL
        }
        .predict(slot(50, 1));
        assert!(no_shows.mean_wait_minutes < base.mean_wait_minutes);
        assert!((steady.mean_wait_minutes - base.mean_wait_minutes / 2.0).abs() < 1e-9);
    }

    #[test]
    fn an_overloaded_slot_grows_its_queue_all_through() {
        // 120 arrivals in an hour at one lane serving 60: 60 still waiting at the end.
        let p = MODEL.predict(slot(120, 1));
        assert!((p.p90_queue - 54.0).abs() < 1e-9, "{p:?}");
        assert!((p.p90_wait_minutes - 54.0).abs() < 1e-9, "{p:?}");
    }

    #[test]
    fn slot_capacity_is_the_largest_load_that_keeps_the_targets() {
        let s = slot(0, 4);
        let cap = MODEL.slot_capacity(s, 1000, 30);
        let at = MODEL.predict(SlotLoad { planned: cap, ..s });
        let above = MODEL.predict(SlotLoad {
            planned: cap + 1,
            ..s
        });
        assert!(
            at.p90_wait_minutes <= 15.0 && at.p90_queue <= 30.0,
            "{at:?}"
        );
        assert!(
            above.p90_wait_minutes > 15.0 || above.p90_queue > 30.0,
            "{above:?}"
        );
        // Never above what the lanes are allowed to take.
        assert_eq!(MODEL.slot_capacity(s, 100, 1000), 100);
    }
}
