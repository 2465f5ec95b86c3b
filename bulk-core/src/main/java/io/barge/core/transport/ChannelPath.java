package io.barge.core.transport;

import io.barge.core.Domain;

/**
 * An I/O path: distinct domains {@code d0 -> d1 -> ... -> dn} and one {@link Channel} per hop, hop {@code i}
 * carrying {@code d_i -> d_(i+1)}. {@link Transport#openPath} opens one, so that a transport that allocates along
 * the whole path (fbufs, rbufs in transmit-master mode) sets its buffers up once for every domain they will cross;
 * a middle domain passes messages on with {@link Sender#forward} (or {@link Receiver#transferTo}) from the hop that
 * delivered them to the next.
 * <p>
 * The source domain writes into {@link #source()}, the sink domain reads from {@link #sink()}; a domain
 * {@code d_i} of the middle receives through {@link #inbound(int) inbound(i)} (hop {@code i - 1}'s receiver) and
 * sends through {@link #outbound(int) outbound(i)} (hop {@code i}'s sender), both driven by one thread of its own.
 * <p>
 * <b>Closing.</b> {@link #close()} closes every hop, source first, as {@link Channel#close()} does each: abortive
 * (the graceful end is the source's {@link Sender#finish()}, each middle domain finishing its outbound hop after
 * its inbound one ended, then the close), idempotent, and callable from any thread. Some transports close the hops
 * after a closed hop themselves (rbufs: nothing can feed them any more); each hop's own close stays safe to call.
 */
public final class ChannelPath implements AutoCloseable
{
    private final Domain[] domains;
    private final Channel[] hops;

    /**
     * Makes a path of channels already open, e.g. hops opened one by one, on different transports. Transports that
     * implement {@link Transport#openPath} return their hops this way.
     *
     * @param hops the channels in path order: each hop's receiving domain is the next hop's sending domain.
     * @throws IllegalArgumentException if there is no hop, a hop is null, consecutive hops do not meet in one
     *                                  domain, or a domain comes twice.
     */
    public ChannelPath(final Channel... hops)
    {
        if (hops == null || hops.length < 1)
        {
            throw new IllegalArgumentException("a path needs at least 1 hop, got " +
                (hops == null ? "null" : "0"));
        }
        this.hops = hops.clone();
        this.domains = new Domain[hops.length + 1];
        for (int i = 0; i < this.hops.length; i++)
        {
            final Channel hop = this.hops[i];
            if (hop == null)
            {
                throw new IllegalArgumentException("hop " + i + " is null");
            }
            final Domain from = hop.sender().domain();
            if (i > 0 && from != domains[i])
            {
                throw new IllegalArgumentException("hop " + i + " starts in " + from + " but hop " + (i - 1) +
                    " ends in " + domains[i]);
            }
            domains[i] = from;
            domains[i + 1] = hop.receiver().domain();
        }
        checkDomains(domains);
    }

    /**
     * The rule for a path's domains, checked by {@link Transport#openPath} before anything is allocated.
     *
     * @param domains the domains, source first.
     * @throws IllegalArgumentException if there are fewer than 2, one is null, or one comes twice.
     */
    public static void checkDomains(final Domain... domains)
    {
        if (domains == null || domains.length < 2)
        {
            throw new IllegalArgumentException("a path needs at least 2 domains, got " +
                (domains == null ? "null" : String.valueOf(domains.length)));
        }
        for (int i = 0; i < domains.length; i++)
        {
            if (domains[i] == null)
            {
                throw new IllegalArgumentException("path domain " + i + " is null");
            }
            for (int j = 0; j < i; j++)
            {
                if (domains[j] == domains[i])
                {
                    throw new IllegalArgumentException("path domains must be distinct: " + domains[i] + " at " + j +
                        " and " + i);
                }
            }
        }
    }

    /**
     * @return channels, one less than {@link #domainCount()}.
     */
    public int hops()
    {
        return hops.length;
    }

    /**
     * @param i hop index, 0 (leaving the source) to {@code hops() - 1} (reaching the sink).
     * @return the channel {@code domain(i) -> domain(i + 1)}.
     * @throws IndexOutOfBoundsException if there is no such hop.
     */
    public Channel hop(final int i)
    {
        if (i < 0 || i >= hops.length)
        {
            throw new IndexOutOfBoundsException("hop=" + i + " not in [0, " + hops.length + ")");
        }
        return hops[i];
    }

    /**
     * @return domains on the path, source and sink included.
     */
    public int domainCount()
    {
        return domains.length;
    }

    /**
     * @param i domain index, 0 (the source) to {@code hops()} (the sink).
     * @return the domain.
     * @throws IndexOutOfBoundsException if there is no such domain.
     */
    public Domain domain(final int i)
    {
        if (i < 0 || i >= domains.length)
        {
            throw new IndexOutOfBoundsException("domain=" + i + " not in [0, " + domains.length + ")");
        }
        return domains[i];
    }

    /**
     * @return the source domain's end: the sender of hop 0.
     */
    public Sender source()
    {
        return hops[0].sender();
    }

    /**
     * @return the sink domain's end: the receiver of the last hop.
     */
    public Receiver sink()
    {
        return hops[hops.length - 1].receiver();
    }

    /**
     * @param domain domain index, 1 to {@code hops()}.
     * @return the end through which that domain receives: the receiver of hop {@code domain - 1}.
     * @throws IndexOutOfBoundsException if the domain is the source (which receives nothing) or off the path.
     */
    public Receiver inbound(final int domain)
    {
        if (domain < 1 || domain > hops.length)
        {
            throw new IndexOutOfBoundsException("inbound(" + domain + "): domains that receive are 1.." + hops.length);
        }
        return hops[domain - 1].receiver();
    }

    /**
     * @param domain domain index, 0 to {@code hops() - 1}.
     * @return the end through which that domain sends: the sender of hop {@code domain}.
     * @throws IndexOutOfBoundsException if the domain is the sink (which sends nothing) or off the path.
     */
    public Sender outbound(final int domain)
    {
        if (domain < 0 || domain >= hops.length)
        {
            throw new IndexOutOfBoundsException("outbound(" + domain + "): domains that send are 0.." +
                (hops.length - 1));
        }
        return hops[domain].sender();
    }

    /**
     * @return whether every hop is open and not broken.
     */
    public boolean isOpen()
    {
        for (final Channel hop : hops)
        {
            if (!hop.isOpen())
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Closes every hop, source first, with {@link Channel#close()}'s meaning: abortive, callable from any thread,
     * idempotent. Every hop is closed even if one's close throws; the first failure is thrown afterwards, with the
     * others suppressed in it.
     */
    @Override
    public void close()
    {
        RuntimeException failure = null;
        for (final Channel hop : hops)
        {
            try
            {
                hop.close();
            }
            catch (final RuntimeException ex)
            {
                if (failure == null)
                {
                    failure = ex;
                }
                else
                {
                    failure.addSuppressed(ex);
                }
            }
        }
        if (failure != null)
        {
            throw failure;
        }
    }

    /**
     * @return the domains, e.g. {@code ChannelPath[A -> B -> C]}.
     */
    @Override
    public String toString()
    {
        final StringBuilder text = new StringBuilder("ChannelPath[");
        for (int i = 0; i < domains.length; i++)
        {
            text.append(i == 0 ? "" : " -> ").append(domains[i].name());
        }
        return text.append(']').toString();
    }
}
