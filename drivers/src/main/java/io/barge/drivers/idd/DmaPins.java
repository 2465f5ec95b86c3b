package io.barge.drivers.idd;

import io.barge.core.Access;
import io.barge.core.AddressSpace;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.Rights;
import org.agrona.collections.Long2LongHashMap;

/**
 * How a port pins the frames its device reaches, through the driver domain's mapping
 * ({@link Kernel#pinMappedForDma}). Per transfer: pin before posting, unpin on the completion (two kernel calls a
 * buffer). Persistent, for a channel whose buffers stay mapped at the same addresses for its whole life (an rbufs
 * data area, xen's persistently granted or pre-allocated pools), as Xen's persistent grants keep a mapping: the
 * first transfer through a page pins it and the pin is kept until the port closes, so a steady transfer makes no
 * kernel call here. A kept pin is checked on every use against the page table (the same frame, mapped with the
 * rights the access needs) and taken again if the mapping changed, so the device never reaches a page the driver
 * domain no longer maps. The last page checked is not looked up or checked again while the space's
 * {@link AddressSpace#mappingEpoch() mapping epoch} stands still (every removal, downgrade or overwrite of an entry
 * moves it, after the change), as a translated view is trusted: consecutive small frames in one page cost one
 * epoch read. Only the driver domain's thread uses it (under its monitor).
 */
final class DmaPins
{
    private static final long NONE = -1;

    private final Kernel kernel;
    private final Domain domain;
    private final AddressSpace space;
    private final Access access;
    private final int required;
    private final boolean persistent;
    private final long pageMask;
    private final Long2LongHashMap kept = new Long2LongHashMap(NONE);
    private long lastPage = NONE;
    private int lastFrame;
    private long lastEpoch;

    DmaPins(final Kernel kernel, final Domain domain, final Access access, final boolean persistent)
    {
        this.kernel = kernel;
        this.domain = domain;
        this.space = domain.addressSpace();
        this.access = access;
        this.required = Rights.required(access);
        this.persistent = persistent;
        this.pageMask = kernel.memory().frameSize() - 1;
    }

    /**
     * @param address a byte the device will reach, in the driver domain's space.
     * @return the frame behind it, pinned until the matching {@link #release}.
     * @throws io.barge.core.ProtectionFault if the driver domain does not map it with the rights the access needs.
     */
    int pin(final long address)
    {
        if (!persistent)
        {
            return kernel.pinMappedForDma(domain, address, access);
        }
        final long page = address & ~pageMask;
        // Acquire, before the checks below: a change after this read moves the epoch past what is kept.
        final long epoch = space.mappingEpochAcquire();
        if (page == lastPage && epoch == lastEpoch)
        {
            return lastFrame; // checked at this epoch, and nothing was removed or downgraded since
        }
        final int checked = checkedPin(address, page);
        lastPage = page;
        lastFrame = checked;
        lastEpoch = epoch;
        return checked;
    }

    private int checkedPin(final long address, final long page)
    {
        final long frame = kept.get(page);
        if (frame != NONE)
        {
            final int rights = space.rightsAt(address);
            if (space.frameAt(address) == frame && rights >= 0 && (rights & required) == required)
            {
                return (int)frame;
            }
            kept.remove(page); // remapped since: the old frame's pin goes, the new one is pinned below
            kernel.unpinFrame((int)frame);
        }
        final int pinned = kernel.pinMappedForDma(domain, address, access);
        kept.put(page, pinned);
        return pinned;
    }

    /**
     * The device is done with a frame {@link #pin} returned.
     *
     * @param frame the frame.
     */
    void release(final int frame)
    {
        if (!persistent)
        {
            kernel.unpinFrame(frame);
        }
    }

    /**
     * Drops every kept pin; the device must no longer reach any of these frames (its driver closed).
     */
    void releaseAll()
    {
        final Long2LongHashMap.ValueIterator frames = kept.values().iterator();
        while (frames.hasNext())
        {
            kernel.unpinFrame((int)frames.nextValue());
        }
        kept.clear();
        lastPage = NONE;
    }

    /**
     * @return pins kept now.
     */
    int kept()
    {
        return kept.size();
    }
}
