package io.barge.bench.report;

import org.agrona.concurrent.Agent;

/**
 * A two-thread reference that hands messages over by a non-blocking offer and a poll (the cross-core limit, Aeron
 * IPC): the calling thread offers each message with its stamp in the first word, retrying while back pressured;
 * the consumer polls and does {@link TwoThreadSubject#touch} on each message.
 */
abstract class ReferenceSubject extends TwoThreadSubject
{
    private final String role;
    private final String backPressured;

    /**
     * @param name the reference's name, for the consumer's role and the stuck message.
     */
    ReferenceSubject(final String name)
    {
        this.role = name + "-consumer";
        this.backPressured = name + " back pressured";
    }

    /**
     * Producer thread.
     *
     * @param firstWord the message's first word.
     * @return false if back pressured.
     */
    abstract boolean offer(long firstWord);

    /**
     * Consumer thread: takes what has arrived, each message through {@link #touching}.
     *
     * @return work done.
     */
    abstract int poll();

    @Override
    protected final Agent newConsumer()
    {
        return new Agent()
        {
            @Override
            public int doWork()
            {
                return poll();
            }

            @Override
            public String roleName()
            {
                return role;
            }
        };
    }

    @Override
    final long produce(final int count)
    {
        for (int i = 0; i < count; i++)
        {
            resetSpin();
            while (!offer(stamp(produced + 1)))
            {
                spin(backPressured);
            }
            produced++;
        }
        return produced;
    }
}
