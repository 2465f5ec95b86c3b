package io.barge.grant;

import io.barge.core.Domain;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Seeded random sequences of grant operations (grant, end, deferred end, map, unmap, pin, unpin, copy, with bad
 * references, wrong domains, read-only violations and stale handles mixed in), each checked against a small model of
 * what the hypervisor must answer, and the counts checked after every step.
 */
class GrantModelTest extends GrantFixture
{
    private static final int STEPS = 1500;

    /** The model of one reference. */
    private static final class Ref
    {
        boolean granted;
        boolean deferred;
        Domain grantee;
        boolean readOnly;
        int frame;
        int readMaps;
        int writeMaps;
        int readPins;
        int writePins;

        boolean inUse()
        {
            return readMaps + writeMaps + readPins + writePins > 0;
        }
    }

    /** The model of one handle the test obtained (live or not). */
    private static final class Use
    {
        final Domain holder;
        final int ref;
        final boolean write;
        final boolean pin;
        final long handle;
        boolean live = true;

        Use(final Domain holder, final int ref, final boolean write, final boolean pin, final long handle)
        {
            this.holder = holder;
            this.ref = ref;
            this.write = write;
            this.pin = pin;
            this.handle = handle;
        }
    }

    @ParameterizedTest(name = "seed={0}")
    @ValueSource(longs = { 1L, 2L, 3L, 0xC0FFEEL, 20261201L })
    void randomOperationsMatchTheModel(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final Domain[] grantees = { b, c };
        final Ref[] refs = new Ref[32];
        for (int i = 0; i < refs.length; i++)
        {
            refs[i] = new Ref();
        }
        final List<Use> uses = new ArrayList<>();
        final long bBuffer = page(b);
        kernel.map(b, bBuffer, frameWith(b, 0L), io.barge.core.Rights.READ_WRITE);
        final long cBuffer = page(c);
        kernel.map(c, cBuffer, frameWith(c, 0L), io.barge.core.Rights.READ_WRITE);

        for (int step = 0; step < STEPS; step++)
        {
            final String where = "seed=" + seed + " step=" + step;
            final int op = random.nextInt(8);
            final int r = random.nextInt(-1, refs.length + 1);
            final Ref ref = r >= 1 && r < refs.length ? refs[r] : null;
            final Domain caller = grantees[random.nextInt(2)];
            final boolean write = random.nextBoolean();
            switch (op)
            {
                case 0:
                {
                    if (table.grantsInUse() < refs.length - 1)
                    {
                        // Each grant its own frame: a deferred end gives its frame up.
                        final int frame = kernel.allocateFrame(a, random.nextBoolean());
                        final int got = table.grantAccess(caller, frame, !write);
                        final Ref m = refs[got];
                        assertFalse(m.granted, where);
                        m.granted = true;
                        m.deferred = false;
                        m.grantee = caller;
                        m.readOnly = !write;
                        m.frame = frame;
                    }
                    break;
                }
                case 1:
                case 2:
                {
                    if (ref == null || !ref.granted || ref.deferred)
                    {
                        final int rr = r;
                        assertThrows(IllegalArgumentException.class, () -> table.endAccess(rr), where);
                    }
                    else if (op == 1)
                    {
                        final EndAccessResult result = table.endAccess(r);
                        assertEquals(ref.inUse() ? EndAccessResult.IN_USE : EndAccessResult.ENDED, result, where);
                        ref.granted = ref.inUse();
                        if (!ref.granted)
                        {
                            kernel.freeFrame(a, ref.frame);
                        }
                    }
                    else if (ref.inUse())
                    {
                        assertEquals(EndAccessResult.DEFERRED, table.endAccessDeferred(r), where);
                        ref.deferred = true;
                    }
                    else
                    {
                        assertEquals(EndAccessResult.ENDED, table.endAccessDeferred(r), where);
                        assertEquals(-1, kernel.ownerOf(ref.frame), where + " frame freed at once");
                        ref.granted = false;
                    }
                    break;
                }
                case 3:
                case 4:
                {
                    final boolean pin = op == 4;
                    final int expected = expectedAcquire(ref, r, caller, write);
                    int status = GrantStatus.OKAY;
                    long handle = -1;
                    try
                    {
                        handle = pin ? hv.pinGrant(caller, a.id(), r, !write) :
                            hv.mapGrant(caller, a.id(), r, page(caller), !write);
                    }
                    catch (final GrantException ex)
                    {
                        status = ex.status();
                    }
                    assertEquals(GrantStatus.name(expected), GrantStatus.name(status), where);
                    if (status == GrantStatus.OKAY)
                    {
                        uses.add(new Use(caller, r, write, pin, handle));
                        count(ref, write, pin, 1);
                    }
                    break;
                }
                case 5:
                case 6:
                {
                    if (uses.isEmpty())
                    {
                        break;
                    }
                    final Use use = uses.get(random.nextInt(uses.size()));
                    final Domain holder = random.nextInt(8) == 0 ? (use.holder == b ? c : b) : use.holder;
                    final boolean asPin = random.nextInt(8) == 0 != use.pin;
                    final boolean good = use.live && holder == use.holder && asPin == use.pin;
                    int status = GrantStatus.OKAY;
                    try
                    {
                        if (asPin)
                        {
                            hv.unpinGrant(holder, use.handle);
                        }
                        else
                        {
                            hv.unmapGrant(holder, use.handle);
                        }
                    }
                    catch (final GrantException ex)
                    {
                        status = ex.status();
                    }
                    assertEquals(GrantStatus.name(good ? GrantStatus.OKAY : GrantStatus.BAD_HANDLE),
                        GrantStatus.name(status), where);
                    if (good)
                    {
                        use.live = false;
                        final Ref m = refs[use.ref];
                        count(m, use.write, use.pin, -1);
                        if (m.deferred && !m.inUse())
                        {
                            m.granted = false;
                            m.deferred = false;
                            assertEquals(-1, kernel.ownerOf(m.frame), where + " deferred end freed the frame");
                        }
                        else if (m.granted)
                        {
                            assertEquals(a.id(), kernel.ownerOf(m.frame), where + " frame kept while granted");
                        }
                    }
                    break;
                }
                default:
                {
                    final int expected = expectedAcquire(ref, r, caller, write);
                    int status = GrantStatus.OKAY;
                    try
                    {
                        hv.grantCopy(caller, a.id(), r, random.nextInt(PAGE / 2), caller == b ? bBuffer : cBuffer,
                            1 + random.nextInt(64), write);
                    }
                    catch (final GrantException ex)
                    {
                        status = ex.status();
                    }
                    assertEquals(GrantStatus.name(expected), GrantStatus.name(status), where);
                    break;
                }
            }
            checkCounts(refs, where);
        }
        for (final Use use : uses)
        {
            if (use.live)
            {
                if (use.pin)
                {
                    hv.unpinGrant(use.holder, use.handle);
                }
                else
                {
                    hv.unmapGrant(use.holder, use.handle);
                }
            }
        }
        assertEquals(0, table.deferredEnds(), "seed=" + seed);
        for (int r = 1; r < refs.length; r++)
        {
            if (refs[r].granted && !refs[r].deferred)
            {
                assertEquals(EndAccessResult.ENDED, table.endAccess(r), "seed=" + seed + " ref=" + r);
                kernel.freeFrame(a, refs[r].frame);
            }
        }
        assertEquals(0, table.grantsInUse(), "seed=" + seed);
    }

    private int expectedAcquire(final Ref ref, final int r, final Domain caller, final boolean write)
    {
        if (ref == null || !ref.granted || (ref.deferred && !ref.inUse()))
        {
            return GrantStatus.BAD_GNTREF;
        }
        if (ref.grantee != caller || (write && ref.readOnly))
        {
            return GrantStatus.PERMISSION_DENIED;
        }
        return GrantStatus.OKAY;
    }

    private static void count(final Ref m, final boolean write, final boolean pin, final int delta)
    {
        if (pin)
        {
            if (write)
            {
                m.writePins += delta;
            }
            else
            {
                m.readPins += delta;
            }
        }
        else if (write)
        {
            m.writeMaps += delta;
        }
        else
        {
            m.readMaps += delta;
        }
    }

    private void checkCounts(final Ref[] refs, final String where)
    {
        for (int r = 1; r < refs.length; r++)
        {
            final Ref m = refs[r];
            assertEquals(m.readMaps, hv.maps(a.id(), r, false), where + " ref=" + r + " read maps");
            assertEquals(m.writeMaps, hv.maps(a.id(), r, true), where + " ref=" + r + " write maps");
            assertEquals(m.readPins, hv.pins(a.id(), r, false), where + " ref=" + r + " read pins");
            assertEquals(m.writePins, hv.pins(a.id(), r, true), where + " ref=" + r + " write pins");
            final int flags = flags(r);
            final boolean open = m.granted && !(m.deferred && !m.inUse());
            assertEquals(open, (flags & GrantTableDescriptor.PERMIT_ACCESS) != 0, where + " ref=" + r + " permit");
            assertEquals(m.inUse(), (flags & GrantTableDescriptor.READING) != 0, where + " ref=" + r + " reading");
            assertEquals(m.writeMaps + m.writePins > 0, (flags & GrantTableDescriptor.WRITING) != 0,
                where + " ref=" + r + " writing");
        }
    }
}
