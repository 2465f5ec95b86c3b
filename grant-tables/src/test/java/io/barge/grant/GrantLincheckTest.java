package io.barge.grant;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import org.agrona.concurrent.UnsafeBuffer;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.LinChecker;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.BooleanGen;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.StressOptions;

import static org.jetbrains.lincheck.datastructures.ManagedStrategyGuaranteeKt.forClasses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Lincheck over the real grant machinery (a {@link Kernel}, a {@link Hypervisor}, a {@link GrantTable}): a granter
 * grants, ends and gives up its one grant reference while two grantees map it read-only or writable, unmap, and
 * unmap a handle a second time, each party on its own thread. Every history must be explainable by {@link Model},
 * a plain sequential model written here from the rules of seed 004 (not from the main code): use counts are exact
 * (never negative, an unmap of a read-only mapping leaves the write count alone), a second unmap is refused, a
 * grant in use is not ended (or its end waits for the last unmap), and a mapping always shows the frame of the
 * grant it was made under, still held by the granter.
 * <p>
 * Model checking explores the interleavings at every shared access (the status word's compare-and-sets, the
 * kernel's pin word, the monitors); the stress run adds real parallelism. Both are bounded to seconds.
 */
class GrantLincheckTest
{
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void modelChecking()
    {
        LinChecker.check(Grants.class, new ModelCheckingOptions()
            // The kernel and Agrona's buffers are trusted steps here: each call is one atomic event with a switch
            // point before it (the status word's reads and compare-and-sets, a pin), not thousands of inner ones.
            .addGuarantee(forClasses(name -> name.startsWith("io.barge.core.") || name.startsWith("org.agrona."))
                .allMethods().treatAsAtomic())
            // The races that matter, every interleaving of them, before the random scenarios.
            .addCustomScenario(scenario(
                actors(actor("grant", 0, false)),
                actors(actor("mapB", true)), actors(actor("endAccessDeferred")),
                actors(actor("unmapB", true), actor("grant", 1, true))))
            .addCustomScenario(scenario(
                actors(actor("grant", 0, false)),
                actors(actor("mapB", false)), actors(actor("endAccess"), actor("grant", 0, false)),
                actors(actor("unmapB", false), actor("endAccess"))))
            .addCustomScenario(scenario(
                actors(actor("grant", 0, false), actor("mapB", true), actor("mapB", false)),
                actors(actor("unmapB", true), actor("unmapB", false), actor("unmapAgainB")),
                actors(actor("endAccessDeferred"), actor("grant", 1, true)),
                actors(actor("mapC", false), actor("mapC", true))))
            .iterations(5)
            .invocationsPerIteration(200)
            .threads(3)
            .actorsPerThread(3)
            .actorsBefore(1)
            .actorsAfter(1)
            .sequentialSpecification(Model.class));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void stress()
    {
        LinChecker.check(Grants.class, new StressOptions()
            .iterations(5)
            .invocationsPerIteration(500)
            .threads(3)
            .actorsPerThread(3)
            .actorsBefore(1)
            .actorsAfter(1)
            .sequentialSpecification(Model.class));
    }

    /** @return a scenario: the initial part, the parallel threads, then the final part (the last argument). */
    @SafeVarargs
    private static ExecutionScenario scenario(final List<Actor> initial, final List<Actor>... threadsThenPost)
    {
        final List<List<Actor>> parallel = Arrays.asList(threadsThenPost).subList(0, threadsThenPost.length - 1);
        return new ExecutionScenario(initial, parallel, threadsThenPost[threadsThenPost.length - 1], null);
    }

    private static List<Actor> actors(final Actor... actors)
    {
        return Arrays.asList(actors);
    }

    /** @return a call of the {@link Grants} operation {@code name} (parameters all int or boolean, as given). */
    private static Actor actor(final String name, final Object... args)
    {
        for (final Method method : Grants.class.getMethods())
        {
            if (method.getName().equals(name) && method.getParameterCount() == args.length)
            {
                return new Actor(method, Arrays.asList(args));
            }
        }
        throw new IllegalArgumentException("no operation " + name + "/" + args.length);
    }

    /** The reference every grantee operation names: a table of two entries (header slot included) has just this. */
    static final int REF = GrantTableDescriptor.FIRST_REF;

    /**
     * The system under test: a machine of its own per invocation. The granter's operations run on one thread and
     * each grantee's on one thread ({@code nonParallelGroup}), so each party's bookkeeping here (its handles, its
     * free pages) is its own, as a real domain's would be.
     */
    public static final class Grants
    {
        private static final int FRAMES = 16;
        private static final int PAGES_PER_GRANTEE = 6;

        private final Kernel kernel;
        private final Hypervisor hv;
        private final Domain granter;
        private final GrantTable table;
        private final Grantee[] grantees;
        private final UnsafeBuffer fill = new UnsafeBuffer(0, 0);
        private int attempts;
        private int grantedFrame;

        /** A fresh machine: granter {@code a} with a one-reference table, grantees {@code b} and {@code c}. */
        public Grants()
        {
            // Direct memory is returned by the buffers' cleaners: Lincheck gives an instance no close hook.
            kernel = new Kernel(PhysicalMemory.allocateDirect(FRAMES), 64, 4);
            hv = new Hypervisor(kernel, REF + 1);
            granter = kernel.createDomain("a");
            table = hv.setupTable(granter, REF + 1);
            grantees = new Grantee[]{ new Grantee(kernel.createDomain("b")), new Grantee(kernel.createDomain("c")) };
        }

        /**
         * Grants a fresh frame, which holds the number of this grant attempt, so that a mapping shows which grant it
         * was made under.
         */
        @Operation(nonParallelGroup = "granter")
        public String grant(@Param(gen = IntGen.class, conf = "0:1") final int grantee,
            @Param(gen = BooleanGen.class) final boolean readOnly)
        {
            attempts++;
            final int frame = kernel.allocateFrame(granter, true);
            kernel.wrapFrame(fill, frame);
            fill.putLong(0, attempts);
            fill.wrap(0, 0);
            try
            {
                final int ref = table.grantAccess(grantees[grantee].domain, frame, readOnly);
                grantedFrame = frame;
                return ref == REF ? "OK" : "REF " + ref;
            }
            catch (final IllegalStateException full)
            {
                kernel.freeFrame(granter, frame);
                return "FULL";
            }
        }

        /** Ends the grant; an ended grant's frame stays the granter's (it keeps using it, as a real guest would). */
        @Operation(nonParallelGroup = "granter")
        public String endAccess()
        {
            try
            {
                return table.endAccess(REF).name();
            }
            catch (final IllegalArgumentException notGranted)
            {
                return "NOT_GRANTED";
            }
        }

        /** Ends the grant and gives its frame up, now or after the grantee's last unmap. */
        @Operation(nonParallelGroup = "granter")
        public String endAccessDeferred()
        {
            try
            {
                return table.endAccessDeferred(REF).name();
            }
            catch (final IllegalArgumentException notGranted)
            {
                return "NOT_GRANTED";
            }
        }

        /** Grantee {@code b} maps the reference. */
        @Operation(nonParallelGroup = "b")
        public String mapB(@Param(gen = BooleanGen.class) final boolean readOnly)
        {
            return map(grantees[0], readOnly);
        }

        /** Grantee {@code b} unmaps its latest mapping of the kind asked. */
        @Operation(nonParallelGroup = "b")
        public String unmapB(@Param(gen = BooleanGen.class) final boolean readOnly)
        {
            return unmap(grantees[0], readOnly);
        }

        /** Grantee {@code b} unmaps its last unmapped handle again. */
        @Operation(nonParallelGroup = "b")
        public String unmapAgainB()
        {
            return unmapAgain(grantees[0]);
        }

        /** Grantee {@code c} maps the reference. */
        @Operation(nonParallelGroup = "c")
        public String mapC(@Param(gen = BooleanGen.class) final boolean readOnly)
        {
            return map(grantees[1], readOnly);
        }

        /** Grantee {@code c} unmaps its latest mapping of the kind asked. */
        @Operation(nonParallelGroup = "c")
        public String unmapC(@Param(gen = BooleanGen.class) final boolean readOnly)
        {
            return unmap(grantees[1], readOnly);
        }

        /** Grantee {@code c} unmaps its last unmapped handle again. */
        @Operation(nonParallelGroup = "c")
        public String unmapAgainC()
        {
            return unmapAgain(grantees[1]);
        }

        private String map(final Grantee g, final boolean readOnly)
        {
            final long va = g.freePages[--g.freeCount];
            final long handle;
            try
            {
                handle = hv.mapGrant(g.domain, granter.id(), REF, va, readOnly);
            }
            catch (final GrantException ex)
            {
                g.freeCount++;
                return GrantStatus.name(ex.status());
            }
            g.push(handle, va, readOnly);
            final int frame = g.domain.addressSpace().frameAt(va);
            // Held: the granter still owns the frame and the mapping pins it, whatever the granter did meanwhile.
            final boolean held = kernel.ownerOf(frame) == granter.id() && kernel.pinCountOf(frame) > 0;
            return "OK grant=" + g.domain.addressSpace().getLong(va) + (held ? "" : " NOT_HELD") + counts(g);
        }

        private String unmap(final Grantee g, final boolean readOnly)
        {
            final int i = g.latest(readOnly);
            if (i < 0)
            {
                return "NONE";
            }
            final long handle = g.handles[i];
            final long va = g.addresses[i];
            g.remove(i);
            try
            {
                hv.unmapGrant(g.domain, handle);
            }
            catch (final GrantException ex)
            {
                return GrantStatus.name(ex.status());
            }
            g.unmapped = handle;
            g.freePages[g.freeCount++] = va;
            return "OK" + counts(g);
        }

        private String unmapAgain(final Grantee g)
        {
            if (g.unmapped < 0)
            {
                return "NONE";
            }
            try
            {
                hv.unmapGrant(g.domain, g.unmapped);
                return "OK";
            }
            catch (final GrantException ex)
            {
                return GrantStatus.name(ex.status());
            }
        }

        /**
         * The hypervisor's use counts, shown while this grantee still holds a mapping: then the grant is active for
         * it alone, so only its own thread changes them and they are exact at this point of its history.
         */
        private String counts(final Grantee g)
        {
            if (g.count == 0)
            {
                return "";
            }
            return " reads=" + hv.maps(granter.id(), REF, false) + " writes=" + hv.maps(granter.id(), REF, true);
        }
    }

    /** One grantee's own bookkeeping: its live handles (newest last) and its free pages. */
    private static final class Grantee
    {
        final Domain domain;
        final long[] handles = new long[Grants.PAGES_PER_GRANTEE];
        final long[] addresses = new long[Grants.PAGES_PER_GRANTEE];
        final boolean[] readOnly = new boolean[Grants.PAGES_PER_GRANTEE];
        final long[] freePages = new long[Grants.PAGES_PER_GRANTEE];
        int count;
        int freeCount;
        long unmapped = -1;

        Grantee(final Domain domain)
        {
            this.domain = domain;
            for (int i = 0; i < freePages.length; i++)
            {
                freePages[freeCount++] = domain.kernel().reserve(domain, 1);
            }
        }

        void push(final long handle, final long va, final boolean ro)
        {
            handles[count] = handle;
            addresses[count] = va;
            readOnly[count++] = ro;
        }

        int latest(final boolean ro)
        {
            for (int i = count - 1; i >= 0; i--)
            {
                if (readOnly[i] == ro)
                {
                    return i;
                }
            }
            return -1;
        }

        void remove(final int i)
        {
            for (int j = i + 1; j < count; j++)
            {
                handles[j - 1] = handles[j];
                addresses[j - 1] = addresses[j];
                readOnly[j - 1] = readOnly[j];
            }
            count--;
        }
    }

    /**
     * The sequential specification: one reference that is free, granted (to a grantee, read-only or not) or
     * granted with its end deferred; per grantee, how many read-only and writable mappings it holds. Written from
     * the seed's rules, independent of the implementation.
     */
    public static final class Model
    {
        private boolean granted;
        private boolean deferred;
        private int grantee;
        private boolean readOnly;
        private int grantNumber;
        private int attempts;
        private final int[] reads = new int[2];
        private final int[] writes = new int[2];
        private final boolean[] unmapped = new boolean[2];

        /** @see Grants#grant */
        public String grant(final int to, final boolean ro)
        {
            attempts++;
            if (granted)
            {
                return "FULL";
            }
            granted = true;
            grantee = to;
            readOnly = ro;
            grantNumber = attempts;
            return "OK";
        }

        /** @see Grants#endAccess */
        public String endAccess()
        {
            if (!granted || deferred)
            {
                return "NOT_GRANTED";
            }
            if (inUse())
            {
                return "IN_USE";
            }
            granted = false;
            return "ENDED";
        }

        /** @see Grants#endAccessDeferred */
        public String endAccessDeferred()
        {
            if (!granted || deferred)
            {
                return "NOT_GRANTED";
            }
            if (inUse())
            {
                deferred = true;
                return "DEFERRED";
            }
            granted = false;
            return "ENDED";
        }

        /** @see Grants#mapB */
        public String mapB(final boolean ro)
        {
            return map(0, ro);
        }

        /** @see Grants#unmapB */
        public String unmapB(final boolean ro)
        {
            return unmap(0, ro);
        }

        /** @see Grants#unmapAgainB */
        public String unmapAgainB()
        {
            return unmapped[0] ? "BAD_HANDLE" : "NONE";
        }

        /** @see Grants#mapC */
        public String mapC(final boolean ro)
        {
            return map(1, ro);
        }

        /** @see Grants#unmapC */
        public String unmapC(final boolean ro)
        {
            return unmap(1, ro);
        }

        /** @see Grants#unmapAgainC */
        public String unmapAgainC()
        {
            return unmapped[1] ? "BAD_HANDLE" : "NONE";
        }

        private String map(final int who, final boolean ro)
        {
            if (!granted)
            {
                return "BAD_GNTREF";
            }
            if (grantee != who || (!ro && readOnly))
            {
                return "PERMISSION_DENIED";
            }
            if (ro)
            {
                reads[who]++;
            }
            else
            {
                writes[who]++;
            }
            return "OK grant=" + grantNumber + counts(who);
        }

        private String unmap(final int who, final boolean ro)
        {
            final int[] held = ro ? reads : writes;
            if (held[who] == 0)
            {
                return "NONE";
            }
            held[who]--;
            unmapped[who] = true;
            if (deferred && !inUse())
            {
                // The last unmap completes the deferred end.
                granted = false;
                deferred = false;
            }
            return "OK" + counts(who);
        }

        private boolean inUse()
        {
            return reads[grantee] + writes[grantee] > 0;
        }

        private String counts(final int who)
        {
            return reads[who] + writes[who] == 0 ? "" : " reads=" + reads[who] + " writes=" + writes[who];
        }
    }
}
