package io.barge.core.notify;

import io.barge.core.CounterType;
import io.barge.core.Domain;

/**
 * Event-index notification suppression, once for every ring in Barge (Xen's {@code req_event}/{@code rsp_event},
 * virtio's {@code VIRTIO_RING_F_EVENT_IDX}, the Rbufs control areas' wake words). A consumer that runs out of
 * work writes the index at which it wants to be woken (its event index), fences, and checks the producer's index
 * once more; a producer publishes its index, fences, reads the event index and notifies only if its push crossed
 * it. One of the two fences always sees the other side's store, so a wake-up is never lost, and a busy consumer
 * costs the producer no notification at all.
 * <p>
 * The protocol, producer P and consumer C:
 * <ol>
 *   <li>P stores its new index with release semantics (the entries before it are visible first).</li>
 *   <li>P: full fence (StoreLoad), then reads C's event index.</li>
 *   <li>P notifies iff {@link #crossed} says the event index lies in (old index, new index].</li>
 *   <li>C, finding no work: stores its event index (the next index it wants), full fence, re-reads P's index; if
 *       work arrived meanwhile it goes on without waiting.</li>
 * </ol>
 * Indices are free-running and compared wrap-safely: 32-bit for Xen rings, 64-bit for event counts.
 * {@link Counts} keeps the sent/suppressed tallies per end and adds them to the domain's counters in batches.
 */
public final class EventIndex
{
    private EventIndex()
    {
    }

    /**
     * @param oldIndex the producer index before the push.
     * @param newIndex the producer index after it.
     * @param event    the consumer's event index.
     * @return whether {@code event} lies in {@code (oldIndex, newIndex]}, 32-bit wrap-safe.
     */
    public static boolean crossed(final int oldIndex, final int newIndex, final int event)
    {
        return Integer.compareUnsigned(newIndex - event, newIndex - oldIndex) < 0;
    }

    /**
     * @param oldIndex the producer's event count before the push.
     * @param newIndex the producer's event count after it.
     * @param event    the count the consumer asked to be woken at ({@code Long.MAX_VALUE} for never).
     * @return whether {@code event} lies in {@code (oldIndex, newIndex]}, 64-bit wrap-safe.
     */
    public static boolean crossed(final long oldIndex, final long newIndex, final long event)
    {
        return Long.compareUnsigned(newIndex - event, newIndex - oldIndex) < 0;
    }

    /**
     * One end's notification tallies: every push is either sent or suppressed. The domain's counters are shared
     * atomics, so the tallies reach them every {@code batch} events and on {@link #flush()}. Not thread safe: one
     * end's thread.
     */
    public static final class Counts
    {
        private final Domain domain;
        private final int batch;
        private long sent;
        private long suppressed;
        private long sentUnflushed;
        private long suppressedUnflushed;

        /**
         * @param domain the end's domain, on which the counts land.
         * @param batch  events between additions to the domain's counters, at least 1.
         */
        public Counts(final Domain domain, final int batch)
        {
            if (batch < 1)
            {
                throw new IllegalArgumentException("batch=" + batch + " must be at least 1");
            }
            this.domain = domain;
            this.batch = batch;
        }

        /**
         * Records the outcome of one push.
         *
         * @param notified whether the push notified the peer.
         * @return {@code notified}, for chaining into the caller's decision.
         */
        public boolean record(final boolean notified)
        {
            if (notified)
            {
                sent++;
                sentUnflushed++;
            }
            else
            {
                suppressed++;
                suppressedUnflushed++;
            }
            if (sentUnflushed + suppressedUnflushed >= batch)
            {
                flush();
            }
            return notified;
        }

        /**
         * Adds what is not yet on the domain's counters.
         */
        public void flush()
        {
            if (sentUnflushed != 0)
            {
                domain.count(CounterType.NOTIFICATIONS_SENT, sentUnflushed);
                sentUnflushed = 0;
            }
            if (suppressedUnflushed != 0)
            {
                domain.count(CounterType.NOTIFICATIONS_SUPPRESSED, suppressedUnflushed);
                suppressedUnflushed = 0;
            }
        }

        /**
         * @return notifications sent by this end, flushed or not.
         */
        public long sent()
        {
            return sent;
        }

        /**
         * @return notifications this end suppressed, flushed or not.
         */
        public long suppressed()
        {
            return suppressed;
        }
    }
}
