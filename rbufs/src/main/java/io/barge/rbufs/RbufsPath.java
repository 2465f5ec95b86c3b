package io.barge.rbufs;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.Rights;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.ChannelPath;

import java.util.function.Consumer;

/**
 * An Rbufs path (the seed's multi-domain answer: one data area shared between the pair-wise channels): domains
 * {@code d0 -> d1 -> ... -> dn}, one transmit-master channel per hop, and one data area, the path's, owned by its
 * master {@code d0} (the source), mapped read-write there and read-only in every downstream domain. Hop 0 carries
 * the master's messages in that area; a later hop has, besides, an area of its own for messages its originator
 * writes itself (a transforming stage). Record offsets below the path area's length name the path's area, the own
 * slots follow.
 * <p>
 * <b>Forwarding without copying.</b> A middle domain's {@code forward} of a message its receiver of the hop before
 * delivered writes one DATA IOrec naming the same region into the next hop's ring: the bytes stay where the master
 * wrote them. Each receiver keeps private custody of the path regions it was given (held, or forwarded and not come
 * back), so a region named that is not held as delivered, or named twice, is refused and counted
 * ({@link ForwardRefusedException} at the forwarding end; a forged record is rejected by the receiving end).
 * <p>
 * <b>Returns: hop by hop, not by a shared count.</b> A released region goes back as a FREE IOrec to the hop it came
 * from, which checks that it handed exactly that region on and has not had it back, then passes it upstream, until
 * the master frees it. Reference counts in shared memory could be written by any hop, and a single return ring to
 * the master could not tell an honest return from a forged one of a region still held further up; hop-by-hop
 * returns keep every check private to a domain that knows the answer, so a hostile hop can at worst withhold the
 * regions it was given, and the master's bookkeeping and the hops above it are never affected. A forwarding domain
 * passes returns up when it polls its receiver (or claims or forwards), in batches as they arrive.
 * <p>
 * <b>Threads.</b> A middle domain's receiver of hop {@code k - 1} and sender of hop {@code k} are one domain's ends
 * and are driven by one thread (handed over with a happens-before edge): each call of one may admit the other
 * (record the thread and read the other's state) and touch its ring.
 * <p>
 * <b>Closing and deaths.</b> Hop {@code k} closing (by {@link RbufsChannel#close}, or the death of either of its
 * domains) closes the hops after it, which can no longer be fed, and unmaps the path's area from the domains after
 * {@code d_k}; every region {@code d_k} forwarded and has not had back goes upstream at {@code d_k}'s receiver's
 * next poll, on its own thread ({@link RbufsReceiver#returnOrphansOnClose}), so the master has every region back
 * once the hops above have passed them on. The hops before go on. Hop 0 closing (or the master's death) closes the whole path and frees the area.
 */
final class RbufsPath
{
    private final Domain[] domains;
    private final SharedRegion area;
    private final long areaLength;
    private final RbufsChannel[] hops;
    private final boolean[] closed;
    private final boolean[] unshared;

    private RbufsPath(final Kernel kernel, final Domain[] domains, final ChannelConfig config,
        final NotifyFactory notify, final Consumer<RbufsChannel> forget)
    {
        this.domains = domains.clone();
        final int slotSize = RbufsChannel.slotSize(config.maxMessageLength());
        this.areaLength = (long)config.capacity() * slotSize;
        if (areaLength > RbufsChannel.MAX_DATA_AREA)
        {
            throw new IllegalArgumentException("data area of capacity=" + config.capacity() + " x slot=" + slotSize +
                " bytes exceeds " + RbufsChannel.MAX_DATA_AREA);
        }
        this.hops = new RbufsChannel[domains.length - 1];
        this.closed = new boolean[hops.length];
        this.unshared = new boolean[domains.length];
        // Consecutive frames where free: user views over a slot then take the one-run path.
        area = new SharedRegion(kernel, domains[0], (int)areaLength, domains.length - 1, true);
        try
        {
            for (int d = 1; d < domains.length; d++)
            {
                area.shareWith(domains[d], Rights.READ);
            }
            for (int k = 0; k < hops.length; k++)
            {
                final int hop = k;
                final RbufsChannel[] self = new RbufsChannel[1];
                hops[k] = RbufsChannel.open(kernel, domains[k], domains[k + 1], config, RbufsChannel.Mode.TMM, notify,
                    () -> onHopClosed(hop, self[0], forget), this, k);
                self[0] = hops[k];
            }
            for (int k = 1; k < hops.length; k++)
            {
                hops[k].rbufsSender().pathInbound(hops[k - 1].rbufsReceiver());
                hops[k - 1].rbufsReceiver().pathOutbound(hops[k].rbufsSender());
            }
        }
        catch (final RuntimeException ex)
        {
            for (int k = hops.length - 1; k >= 0; k--)
            {
                if (hops[k] != null)
                {
                    try
                    {
                        hops[k].close();
                    }
                    catch (final RuntimeException suppressed)
                    {
                        ex.addSuppressed(suppressed);
                    }
                }
            }
            area.close();
            throw ex;
        }
    }

    /**
     * Opens a path; on failure everything allocated so far is returned.
     *
     * @param kernel  the machine.
     * @param domains at least two distinct domains, the master (source) first.
     * @param config  every hop's sizes; {@code capacity} is also the path area's slots.
     * @param notify  opens the event channels.
     * @param forget  told of each hop once it has closed (the transport forgets it).
     * @return the hops, in path order.
     * @throws IllegalArgumentException if the domains break {@link ChannelPath#checkDomains}'s rule.
     */
    static ChannelPath open(final Kernel kernel, final Domain[] domains, final ChannelConfig config,
        final NotifyFactory notify, final Consumer<RbufsChannel> forget)
    {
        ChannelPath.checkDomains(domains);
        return new ChannelPath(new RbufsPath(kernel, domains, config, notify, forget).hops);
    }

    /**
     * @return the path's data area, the master's.
     */
    SharedRegion area()
    {
        return area;
    }

    /**
     * @return bytes of the path area that records name: capacity slots.
     */
    long areaLength()
    {
        return areaLength;
    }

    /**
     * Hop {@code k} has closed (its frames are back): the hops after it close, the path's area leaves the domains
     * after {@code d_k}, and what {@code d_k} forwarded goes upstream; hop 0 takes the area with it.
     */
    private void onHopClosed(final int k, final RbufsChannel channel, final Consumer<RbufsChannel> forget)
    {
        try
        {
            synchronized (this)
            {
                if (closed[k])
                {
                    return;
                }
                closed[k] = true;
                for (int j = k + 1; j < hops.length; j++)
                {
                    if (hops[j] != null)
                    {
                        hops[j].close(); // their ends are shut before the area leaves their domains
                    }
                }
                if (k == 0)
                {
                    area.close();
                    return;
                }
                for (int d = k + 1; d < domains.length; d++)
                {
                    if (!unshared[d])
                    {
                        unshared[d] = true;
                        area.unshare(domains[d]);
                    }
                }
                if (!closed[k - 1] && domains[k].isAlive())
                {
                    hops[k - 1].rbufsReceiver().returnOrphansOnClose();
                }
            }
        }
        finally
        {
            if (forget != null && channel != null)
            {
                forget.accept(channel);
            }
        }
    }
}
