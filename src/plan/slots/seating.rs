//! Which slots each building's households take at the site chosen for it.
//!
//! Sites are chosen for whole buildings against the room left in each slot, not against a
//! site's total for the day: a total can have room for a building whose households do not
//! fit the slots left (a slot with 2 places does not take a household of 3). So a building
//! a site takes is always seated in its slots, and a building moves, swaps or is ejected
//! only by seating it elsewhere. Every change is journaled, so a search can try a chain of
//! changes and take it back.

use super::ResidentId;

/// Places left in each slot, and the totals per site kept in step.
pub(super) struct Room {
    pub left: Vec<Vec<u32>>,
    pub site_total: Vec<u64>,
}

impl Room {
    pub fn new(capacity: &[Vec<u32>]) -> Self {
        Room {
            site_total: capacity
                .iter()
                .map(|s| s.iter().map(|&c| u64::from(c)).sum())
                .collect(),
            left: capacity.to_vec(),
        }
    }

    pub fn take(&mut self, site: usize, slot: usize, people: u32) {
        self.left[site][slot] -= people;
        self.site_total[site] -= u64::from(people);
    }

    fn give(&mut self, site: usize, slot: usize, people: u32) {
        self.left[site][slot] += people;
        self.site_total[site] += u64::from(people);
    }

    /// The earliest slot at `site` from `from` on with room for `people`.
    pub fn first_fit(&self, site: usize, from: usize, people: u32) -> Option<usize> {
        (from..self.left[site].len()).find(|&k| self.left[site][k] >= people)
    }
}

pub(super) struct Household<'a> {
    pub building: usize,
    pub members: &'a [ResidentId],
}

impl Household<'_> {
    pub fn size(&self) -> u32 {
        self.members.len() as u32
    }
}

/// A building's households as seated: the site and each household's slot.
#[derive(Clone)]
pub(super) struct Seat {
    pub site: usize,
    pub slots: Vec<usize>,
}

/// A building's households, and where they are seated if they are.
pub(super) type Seated<'a> = (Vec<Household<'a>>, Option<Seat>);

enum Change {
    Seated(usize),
    Unseated(usize, Seat),
}

/// The households still to place (those not keeping a slot told before), by building,
/// and where each building is seated.
pub(super) struct Seating<'a> {
    pub room: Room,
    households: Vec<Vec<Household<'a>>>,
    demand: Vec<u32>,
    seats: Vec<Option<Seat>>,
    at_site: Vec<Vec<usize>>,
    journal: Vec<Change>,
}

impl<'a> Seating<'a> {
    pub fn new(room: Room, households: Vec<Vec<Household<'a>>>) -> Self {
        let sites = room.left.len();
        Seating {
            demand: households
                .iter()
                .map(|hs| hs.iter().map(Household::size).sum())
                .collect(),
            seats: vec![None; households.len()],
            at_site: vec![Vec::new(); sites],
            journal: Vec::new(),
            room,
            households,
        }
    }

    /// People of building `b` still to place.
    pub fn demand(&self, b: usize) -> u32 {
        self.demand[b]
    }

    /// The last slot building `b`'s households take.
    pub fn last_slot(&self, b: usize) -> Option<usize> {
        self.seats[b]
            .as_ref()
            .and_then(|seat| seat.slots.iter().max().copied())
    }

    pub fn site(&self, b: usize) -> Option<usize> {
        self.seats[b].as_ref().map(|seat| seat.site)
    }

    pub fn buildings_at(&self, site: usize) -> &[usize] {
        &self.at_site[site]
    }

    /// Seats building `b` at `site` if all its households fit the slots left there:
    /// consecutive slots from the start that spans the fewest, else wherever they fit.
    pub fn seat(&mut self, b: usize, site: usize) -> bool {
        self.seat_from(b, site, None)
    }

    /// Seats building `b` at `site` as [`Seating::seat`] does, but in slots from `start` on
    /// where they fit (a tape: each building starts where the one before it ended).
    pub fn seat_from(&mut self, b: usize, site: usize, start: Option<usize>) -> bool {
        debug_assert!(self.seats[b].is_none());
        if self.room.site_total[site] < u64::from(self.demand[b]) {
            return false;
        }
        let Some(slots) = self.pack(b, site, start) else {
            return false;
        };
        for (h, &k) in self.households[b].iter().zip(&slots) {
            self.room.take(site, k, h.size());
        }
        self.seats[b] = Some(Seat { site, slots });
        self.at_site[site].push(b);
        self.journal.push(Change::Seated(b));
        true
    }

    /// Takes building `b` from its site, freeing its slots.
    pub fn unseat(&mut self, b: usize) {
        let seat = self.free(b);
        self.journal.push(Change::Unseated(b, seat));
    }

    fn free(&mut self, b: usize) -> Seat {
        let seat = self.seats[b].take().expect("a seated building");
        for (h, &k) in self.households[b].iter().zip(&seat.slots) {
            self.room.give(seat.site, k, h.size());
        }
        self.at_site[seat.site].retain(|&x| x != b);
        seat
    }

    /// A point to go back to with [`Seating::undo_to`].
    pub fn mark(&self) -> usize {
        self.journal.len()
    }

    /// Takes back every change since `mark`, latest first, to the very slots.
    pub fn undo_to(&mut self, mark: usize) {
        while self.journal.len() > mark {
            match self.journal.pop().expect("a change") {
                Change::Seated(b) => {
                    self.free(b);
                }
                Change::Unseated(b, seat) => {
                    for (h, &k) in self.households[b].iter().zip(&seat.slots) {
                        self.room.take(seat.site, k, h.size());
                    }
                    self.at_site[seat.site].push(b);
                    self.seats[b] = Some(seat);
                }
            }
        }
    }

    /// Keeps every change so far: the journal starts again.
    pub fn commit(&mut self) {
        self.journal.clear();
    }

    /// The slot of each of `b`'s households at `site`, or `None` if they do not all fit.
    fn pack(&self, b: usize, site: usize, start: Option<usize>) -> Option<Vec<usize>> {
        let households = &self.households[b];
        let left = &self.room.left[site];
        let start = start.unwrap_or_else(|| {
            (0..left.len())
                .filter_map(|start| {
                    span_from(left, start, households.iter().map(Household::size))
                        .map(|span| (span, start))
                })
                .min()
                .map_or(0, |(_, start)| start)
        });
        let mut left = left.clone();
        let mut cursor = start;
        let mut slots = Vec::with_capacity(households.len());
        for h in households {
            let fits = |k: &usize| left[*k] >= h.size();
            let k = (cursor..left.len())
                .find(fits)
                .or_else(|| (0..left.len()).find(fits))?;
            cursor = cursor.max(k);
            left[k] -= h.size();
            slots.push(k);
        }
        Some(slots)
    }

    /// The room left, and each building's households with their seat.
    pub fn into_parts(self) -> (Room, Vec<Seated<'a>>) {
        (
            self.room,
            self.households.into_iter().zip(self.seats).collect(),
        )
    }
}

/// How many consecutive slots households of these sizes, packed in order from slot
/// `start`, would span in `left`; `None` if they would not all fit.
pub(super) fn span_from(
    left: &[u32],
    start: usize,
    sizes: impl IntoIterator<Item = u32>,
) -> Option<usize> {
    let (mut k, mut used) = (start, 0);
    for size in sizes {
        while k < left.len() && left[k] - used < size {
            k += 1;
            used = 0;
        }
        if k == left.len() {
            return None;
        }
        used += size;
    }
    Some(k - start + 1)
}
