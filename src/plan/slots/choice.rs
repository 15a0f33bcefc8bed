//! Which site each building goes to, whole.
//!
//! First where the transportation optimum sends it (a building the optimum splits goes to
//! the site it sends most of it to that has room); then each building no site had room
//! for is put in by an ejection chain — it takes the place of a building that moves to
//! another site, which may in turn take another's; then buildings move and swap while the
//! total walk shrinks; last, each site's slots are dealt again, largest buildings first.
//! A building is split only when all this leaves it without a site (the caller places its
//! households one by one).

use super::seating::Seating;

/// Sites an ejection chain looks at around a building, and links a chain may have.
const CHAIN_SITES: usize = 8;
const CHAIN_LINKS: usize = 4;
/// Tries one building's chains may make, and all buildings' together: enough for any small
/// district, and bounded where sites cannot take everyone (there every building left over
/// would search in vain).
const CHAIN_TRIES: u32 = 20_000;
const ALL_CHAIN_TRIES: u32 = 400_000;
/// Sites a building may move to while the walk shrinks.
const NEIGHBOUR_SITES: usize = 8;
const MAX_PASSES: usize = 50;

/// Distances and what may not move.
pub(super) struct Walks<'a> {
    pub distance: &'a [Vec<f64>],
    /// Each building's open sites, nearest first.
    pub nearest: &'a [Vec<usize>],
    /// The site of residents of the building already told a slot: the rest go there too
    /// where they fit, and the building does not move.
    pub pinned: &'a [Option<usize>],
}

impl Walks<'_> {
    fn cost(&self, seating: &Seating, b: usize, site: usize) -> f64 {
        self.distance[b][site] * f64::from(seating.demand(b))
    }

    /// The pinned site first, then the nearest.
    fn sites(&self, b: usize) -> impl Iterator<Item = usize> + '_ {
        self.pinned[b].into_iter().chain(
            self.nearest[b]
                .iter()
                .copied()
                .filter(move |&s| Some(s) != self.pinned[b]),
        )
    }
}

/// Seats every building in `order` whole where it can be (see the module's comment).
/// `guided[b]` are the sites the transportation optimum sends `b` to, most walkers first.
pub(super) fn choose(seating: &mut Seating, walks: &Walks, order: &[usize], guided: &[Vec<usize>]) {
    let mut homeless = Vec::new();
    for &b in order {
        let seated = walks.pinned[b]
            .into_iter()
            .chain(guided[b].iter().copied())
            .chain(walks.nearest[b].iter().copied())
            .any(|s| seating.seat(b, s));
        if !seated {
            homeless.push(b);
        }
    }
    seating.commit();

    homeless.sort_by_key(|&b| (std::cmp::Reverse(seating.demand(b)), b));
    let mut in_chain = vec![false; walks.pinned.len()];
    let mut all_tries = ALL_CHAIN_TRIES;
    for b in homeless {
        let budget = CHAIN_TRIES.min(all_tries);
        let mut tries = budget;
        let seated = insert(seating, walks, b, CHAIN_LINKS, &mut tries, &mut in_chain);
        all_tries -= budget - tries;
        if seated {
            seating.commit();
        }
    }

    improve(seating, walks);
    deal_largest_first(seating);
}

/// Seats `b` at a site near it, if need be in the place of buildings there that are seated
/// elsewhere in turn (each chain at most `links` long). On failure nothing has changed.
fn insert(
    seating: &mut Seating,
    walks: &Walks,
    b: usize,
    links: usize,
    tries: &mut u32,
    in_chain: &mut [bool],
) -> bool {
    let sites: Vec<usize> = walks.sites(b).take(CHAIN_SITES).collect();
    if sites.iter().any(|&s| seating.seat(b, s)) {
        return true;
    }
    if links == 0 {
        return false;
    }
    in_chain[b] = true;
    for &s in &sites {
        // Whom to eject: the buildings there that mind moving least first.
        let mut movable: Vec<usize> = seating
            .buildings_at(s)
            .iter()
            .copied()
            .filter(|&o| !in_chain[o] && walks.pinned[o].is_none())
            .collect();
        movable.sort_by(|&x, &y| {
            ejection_cost(seating, walks, x, s)
                .total_cmp(&ejection_cost(seating, walks, y, s))
                .then(x.cmp(&y))
        });
        for (i, &first) in movable.iter().enumerate() {
            if *tries == 0 {
                in_chain[b] = false;
                return false;
            }
            *tries -= 1;
            let mark = seating.mark();
            // Eject `first`, and after it as few others as make room, smallest first.
            seating.unseat(first);
            let mut ejected = vec![first];
            let mut rest = movable[i + 1..].to_vec();
            rest.sort_by_key(|&o| (seating.demand(o), o));
            let mut rest = rest.into_iter();
            let seated = loop {
                if seating.seat(b, s) {
                    break true;
                }
                match rest.next() {
                    Some(o) if ejected.len() < links => {
                        seating.unseat(o);
                        ejected.push(o);
                    }
                    _ => break false,
                }
            };
            if seated
                && ejected
                    .iter()
                    .all(|&o| insert(seating, walks, o, links - 1, tries, in_chain))
            {
                in_chain[b] = false;
                return true;
            }
            seating.undo_to(mark);
        }
    }
    in_chain[b] = false;
    false
}

/// What moving `b` from `site` to its next nearest site would add to the walk.
fn ejection_cost(seating: &Seating, walks: &Walks, b: usize, site: usize) -> f64 {
    let next = walks.nearest[b]
        .iter()
        .find(|&&s| s != site)
        .map_or(f64::INFINITY, |&s| walks.cost(seating, b, s));
    next - walks.cost(seating, b, site)
}

/// Local search: move a building to a nearer site where it fits, or swap two buildings
/// when both fit and the walk shrinks, until nothing helps. Pinned buildings stay.
fn improve(seating: &mut Seating, walks: &Walks) {
    for _ in 0..MAX_PASSES {
        let mut improved = false;
        for b in 0..walks.pinned.len() {
            let Some(current) = seating.site(b) else {
                continue;
            };
            if walks.pinned[b].is_some() {
                continue;
            }
            for &s in walks.nearest[b].iter().take(NEIGHBOUR_SITES) {
                if s == current || walks.distance[b][s] >= walks.distance[b][current] {
                    break;
                }
                let mark = seating.mark();
                seating.unseat(b);
                if seating.seat(b, s) {
                    seating.commit();
                    improved = true;
                    break;
                }
                // Swap with a building at s that would rather be here, or minds least.
                let others: Vec<usize> = seating.buildings_at(s).to_vec();
                let swapped = others.into_iter().any(|other| {
                    if walks.pinned[other].is_some()
                        || walks.cost(seating, b, s) + walks.cost(seating, other, current) + 1e-9
                            >= walks.cost(seating, b, current) + walks.cost(seating, other, s)
                    {
                        return false;
                    }
                    let inner = seating.mark();
                    seating.unseat(other);
                    if seating.seat(b, s) && seating.seat(other, current) {
                        return true;
                    }
                    seating.undo_to(inner);
                    false
                });
                if swapped {
                    seating.commit();
                    improved = true;
                    break;
                }
                seating.undo_to(mark);
            }
        }
        if !improved {
            break;
        }
    }
    seating.commit();
}

/// Deals each site's slots again, largest buildings first, each from the start that spans
/// the fewest slots: the small ones then fill what is left between them. Where that would
/// not seat them all, the site keeps the slots it had.
fn deal_largest_first(seating: &mut Seating) {
    for s in 0..seating.room.left.len() {
        let mut buildings = seating.buildings_at(s).to_vec();
        buildings.sort_by_key(|&b| (std::cmp::Reverse(seating.demand(b)), b));
        let mark = seating.mark();
        for &b in &buildings {
            seating.unseat(b);
        }
        let mut cursor = 0;
        let dealt = buildings.iter().all(|&b| {
            let seated = seating.seat_from(b, s, Some(cursor));
            cursor = seating.last_slot(b).unwrap_or(cursor);
            seated
        });
        if !dealt {
            seating.undo_to(mark);
        }
        seating.commit();
    }
}
