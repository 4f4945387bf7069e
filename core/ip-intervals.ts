/**
 * Exact set arithmetic over address ranges. A set is a sorted list of disjoint, non-adjacent inclusive
 * `[first, last]` ranges of bigint addresses, so unions never double count and sizes are exact even for
 * IPv6.
 */
export type Interval = readonly [first: bigint, last: bigint];
export type IntervalSet = readonly Interval[];

/** Sorts and merges overlapping or adjacent ranges. */
export function normalize(ranges: readonly Interval[]): IntervalSet {
    const sorted = [...ranges].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const merged: [bigint, bigint][] = [];
    for (const [first, last] of sorted) {
        const previous = merged[merged.length - 1];
        if (previous !== undefined && first <= previous[1] + 1n) {
            if (last > previous[1]) previous[1] = last;
        } else {
            merged.push([first, last]);
        }
    }
    return merged;
}

export function union(...sets: readonly IntervalSet[]): IntervalSet {
    return normalize(sets.flat());
}

/** Addresses in `from` that are not in `remove`. Both must be normalized. */
export function subtract(from: IntervalSet, remove: IntervalSet): IntervalSet {
    const result: Interval[] = [];
    let r = 0;
    for (const [first, last] of from) {
        let start = first;
        while (r < remove.length && remove[r][1] < start) r++;
        let k = r;
        while (k < remove.length && remove[k][0] <= last && start <= last) {
            const [removeFirst, removeLast] = remove[k];
            if (removeFirst > start) result.push([start, removeFirst - 1n]);
            start = removeLast + 1n;
            k++;
        }
        if (start <= last) result.push([start, last]);
    }
    return result;
}

/** Addresses in both sets. Both must be normalized. */
export function intersect(a: IntervalSet, b: IntervalSet): IntervalSet {
    const result: Interval[] = [];
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
        const first = a[i][0] > b[j][0] ? a[i][0] : b[j][0];
        const last = a[i][1] < b[j][1] ? a[i][1] : b[j][1];
        if (first <= last) result.push([first, last]);
        if (a[i][1] < b[j][1]) i++;
        else j++;
    }
    return result;
}

export function size(set: IntervalSet): bigint {
    return set.reduce((total, [first, last]) => total + (last - first + 1n), 0n);
}

export function overlaps(a: IntervalSet, b: IntervalSet): boolean {
    return intersect(a, b).length > 0;
}

/** True when every address of `inner` is in `outer`. */
export function containsAll(outer: IntervalSet, inner: IntervalSet): boolean {
    return subtract(inner, outer).length === 0;
}

export function containsAddress(set: IntervalSet, address: bigint): boolean {
    return set.some(([first, last]) => first <= address && address <= last);
}
