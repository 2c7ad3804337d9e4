import { describe, expect, it } from 'vitest';
import { ArrivalOrder } from '../../renderer/src/inspector/arrival-order';

const ids = (xs: { item: { id: string } }[]) => xs.map((x) => x.item.id);

describe('ArrivalOrder', () => {
  it('keeps items where they were when the lab reports new ones in front of them', () => {
    const order = new ArrivalOrder();
    expect(ids(order.arrange([{ id: 'a' }, { id: 'b' }, { id: 'c' }]))).toEqual(['a', 'b', 'c']);
    // 'a' was delivered; its reply 'r' and a timeout 't' are reported first.
    expect(ids(order.arrange([{ id: 'r' }, { id: 't' }, { id: 'b' }, { id: 'c' }]))).toEqual(['b', 'c', 'r', 't']);
  });

  it('tells new items from old ones by rank', () => {
    const order = new ArrivalOrder();
    order.arrange([{ id: 'a' }, { id: 'b' }]);
    const since = order.nextRank;
    const out = order.arrange([{ id: 'x' }, { id: 'b' }]);
    expect(out.filter((r) => r.rank >= since).map((r) => r.item.id)).toEqual(['x']);
  });

  it('forgets an item that left: if the same id comes back, it is new again', () => {
    const order = new ArrivalOrder();
    order.arrange([{ id: 't:1' }, { id: 'm' }]);
    order.arrange([{ id: 'm' }]);
    expect(ids(order.arrange([{ id: 't:1' }, { id: 'm' }]))).toEqual(['m', 't:1']);
  });
});
