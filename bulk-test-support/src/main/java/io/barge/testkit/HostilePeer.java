package io.barge.testkit;

import io.barge.core.Access;
import io.barge.core.AddressSpace;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.ProtectionFault;
import io.barge.core.Rights;

import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * An attacker domain's real reach: only what its page table maps, with the rights it maps it with. A test lists
 * the frames the attacker could write ({@link #framesWritable()}) and forges whatever it finds there (counters,
 * control words, records) with raw word accesses addressed by (frame, offset).
 * <p>
 * Every access goes through the attacker's own {@link AddressSpace} at an address where its page table maps the
 * frame, so the kit cannot do more than the domain itself could: an access to a frame the attacker does not map
 * with the needed right is refused with a {@link ProtectionFault} before any byte moves.
 * <p>
 * Lookups walk the page table on every call (test speed, not data-path speed), so a mapping the kernel removed is
 * never used.
 */
public final class HostilePeer
{
    private final Kernel kernel;
    private final Domain attacker;
    private final int frameSize;

    private HostilePeer(final Kernel kernel, final Domain attacker)
    {
        this.kernel = kernel;
        this.attacker = attacker;
        this.frameSize = kernel.memory().frameSize();
    }

    /**
     * @param kernel   the machine's kernel.
     * @param attacker the domain that plays the hostile peer.
     * @return a peer acting as that domain.
     */
    public static HostilePeer of(final Kernel kernel, final Domain attacker)
    {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(attacker, "attacker");
        if (attacker.kernel() != kernel)
        {
            throw new IllegalArgumentException("domain " + attacker + " belongs to another kernel");
        }
        return new HostilePeer(kernel, attacker);
    }

    /**
     * @return the attacker domain.
     */
    public Domain attacker()
    {
        return attacker;
    }

    /**
     * @return the frames the attacker's page table maps read-write, ascending, each once.
     */
    public int[] framesWritable()
    {
        return frames(Rights.READ_WRITE);
    }

    /**
     * @return the frames the attacker's page table maps with at least read rights, ascending, each once.
     */
    public int[] framesReadable()
    {
        return frames(Rights.READ);
    }

    /**
     * @param frame  a frame the attacker maps read-write.
     * @param offset 8-byte aligned offset in the frame.
     * @param value  the word to store (plain store, as a careless or malicious peer would).
     * @throws ProtectionFault if the attacker maps the frame with no write right.
     */
    public void putLong(final int frame, final int offset, final long value)
    {
        attacker.addressSpace().putLong(address(frame, offset, 8, Access.WRITE), value);
    }

    /**
     * @param frame  a frame the attacker maps read-write.
     * @param offset 4-byte aligned offset in the frame.
     * @param value  the int to store.
     * @throws ProtectionFault if the attacker maps the frame with no write right.
     */
    public void putInt(final int frame, final int offset, final int value)
    {
        attacker.addressSpace().putInt(address(frame, offset, 4, Access.WRITE), value);
    }

    /**
     * @param frame  a frame the attacker maps readable.
     * @param offset 8-byte aligned offset in the frame.
     * @return the word there.
     * @throws ProtectionFault if the attacker does not map the frame.
     */
    public long getLong(final int frame, final int offset)
    {
        return attacker.addressSpace().getLong(address(frame, offset, 8, Access.READ));
    }

    /**
     * Fills a whole frame with garbage that depends only on the seed.
     *
     * @param frame a frame the attacker maps read-write.
     * @param seed  seeds the garbage; print it when a test fails.
     * @throws ProtectionFault if the attacker maps the frame with no write right.
     */
    public void scribble(final int frame, final long seed)
    {
        final long base = address(frame, 0, frameSize, Access.WRITE);
        final SplittableRandom random = new SplittableRandom(seed);
        final AddressSpace space = attacker.addressSpace();
        for (int offset = 0; offset < frameSize; offset += 8)
        {
            space.putLong(base + offset, random.nextLong());
        }
    }

    private int[] frames(final int rights)
    {
        final TreeSet<Integer> frames = new TreeSet<>();
        attacker.addressSpace().forEachMappedPage((address, frame, mapped) ->
        {
            if ((mapped & rights) == rights)
            {
                frames.add(frame);
            }
        });
        return frames.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * @return a virtual address at which the attacker maps {@code frame} with the right for {@code access}, plus
     * {@code offset}.
     */
    private long address(final int frame, final int offset, final int length, final Access access)
    {
        if (offset < 0 || offset > frameSize - length || (offset & (Math.min(length, 8) - 1)) != 0)
        {
            throw new IllegalArgumentException("offset=" + offset + " length=" + length +
                " is not an aligned range inside a frame of " + frameSize + " bytes");
        }
        if (frame < 0 || frame >= kernel.memory().frameCount())
        {
            throw new IllegalArgumentException("frame=" + frame + " outside [0, " + kernel.memory().frameCount() + ")");
        }
        final int need = access == Access.WRITE ? Rights.READ_WRITE : Rights.READ;
        final long[] found = { -1 };
        attacker.addressSpace().forEachMappedPage((address, mapped, rights) ->
        {
            if (found[0] < 0 && mapped == frame && (rights & need) == need)
            {
                found[0] = address;
            }
        });
        if (found[0] < 0)
        {
            throw new ProtectionFault(attacker.id(), attacker.name(), -1, access,
                "attacker maps frame " + frame + " with no " + access + " right");
        }
        return found[0] + offset;
    }
}
