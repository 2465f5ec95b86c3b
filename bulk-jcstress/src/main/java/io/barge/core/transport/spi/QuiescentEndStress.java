package io.barge.core.transport.spi;

import io.barge.jcstress.SharedMachine;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The Dekker pair behind the Rbufs and Xen ends' teardown ({@link QuiescentEnd}, steps 1 and 3; {@link Deferral}):
 * an end's first call on its thread records the thread (volatile) and then reads the channel state (volatile); a
 * teardown on another thread stores CLOSED (volatile) and then reads the recorded thread. A call that saw the
 * channel open goes on to touch the channel's frames; if the teardown had judged the end quiescent meanwhile (and so
 * released the frames at once), that access could land in a frame the kernel hands to anybody: forbidden.
 * <p>
 * r1: 1 if the end's call saw the channel open and then found its "frame" word live, 2 if it found it freed (the
 * teardown released under the call: forbidden), 0 if it saw the close (and made its end quiescent); r2: 1 if the
 * release had run when the teardown returned, else 0. "1, 1" is a call that finished its access before the teardown
 * judged its end quiescent (the harness's actor thread had ended by then). The arbiter is the end's next call, which
 * sees the close and releases.
 */
@JCStressTest
@Description("Quiescent-state deferral: a teardown never releases under an end whose call saw the channel open")
@Outcome(id = { "1, 0", "1, 1" }, expect = ACCEPTABLE, desc = "the call saw it open and touched a live frame")
@Outcome(id = { "0, 0", "0, 1" }, expect = ACCEPTABLE, desc = "the call saw the close: the end is quiescent")
@Outcome(id = { "2, 0", "2, 1" }, expect = FORBIDDEN, desc = "the call saw it open and touched a freed frame")
@Outcome(expect = FORBIDDEN, desc = "impossible")
@State
public class QuiescentEndStress
{
    private static final int LIVE = 1;
    private static final int FREED = 2;

    private final QuiescentEnd end = new QuiescentEnd();
    private final Deferral deferral = new Deferral(SharedMachine.KERNEL, this::release, end);
    private volatile boolean closed;
    /** Stands for a frame the end reaches through a raw view; the release frees it. */
    private int frame = LIVE;

    private void release()
    {
        frame = FREED;
    }

    private int call()
    {
        end.enter();
        if (closed)
        {
            end.quiescent();
            return 0;
        }
        // The raw accesses of a call that saw the channel open: two, a moment apart, to widen the window.
        final int first = frame;
        Thread.onSpinWait();
        return Math.max(first, frame);
    }

    /** The end's first call on its thread. */
    @Actor
    public void end(final II_Result r)
    {
        r.r1 = call();
    }

    /** The teardown, on another thread. */
    @Actor
    public void teardown(final II_Result r)
    {
        closed = true;
        deferral.teardown();
        r.r2 = deferral.isReleased() ? 1 : 0;
    }

    /** The end's next call: it sees the close, so the deferral releases and forgets the kernel. */
    @Arbiter
    public void arbiter(final II_Result r)
    {
        call();
        if (!deferral.isReleased())
        {
            throw new IllegalStateException("the end saw the close but the release did not run");
        }
    }
}
