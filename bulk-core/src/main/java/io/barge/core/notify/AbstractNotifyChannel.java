package io.barge.core.notify;

import io.barge.core.ChannelClosedException;
import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.DomainListener;
import io.barge.core.Kernel;
import io.barge.core.ProtocolViolationException;

import org.agrona.concurrent.UnsafeBuffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * What UMP and LMP channels share: the open/broken/closed state, the error handler told once, and teardown when
 * either domain is destroyed.
 */
abstract class AbstractNotifyChannel implements NotifyChannel
{
    static final int OPEN = 0;
    static final int BROKEN = 1;
    static final int CLOSED = 2;
    /** Smallest frame a channel works with: the UMP ack page needs 256 bytes. */
    static final int MIN_FRAME_SIZE = UmpDescriptor.ACK_AREA_LENGTH;

    private static final VarHandle STATE;

    static
    {
        try
        {
            STATE = MethodHandles.lookup().findVarHandle(AbstractNotifyChannel.class, "state", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    final Kernel kernel;
    final Domain senderDomain;
    final Domain receiverDomain;
    private final DomainListener domainListener = this::onDomainDestroyed;
    private volatile int state = OPEN;
    private volatile Consumer<Throwable> errorHandler;
    private boolean released;

    AbstractNotifyChannel(final Kernel kernel, final Domain sender, final Domain receiver)
    {
        if (sender == receiver)
        {
            throw new IllegalArgumentException("sender and receiver must be different domains, both are " + sender);
        }
        if (sender.kernel() != kernel || receiver.kernel() != kernel)
        {
            throw new IllegalArgumentException("domains " + sender + " and " + receiver + " must belong to the kernel");
        }
        sender.checkAlive();
        receiver.checkAlive();
        if (kernel.memory().frameSize() < MIN_FRAME_SIZE)
        {
            throw new IllegalArgumentException("frameSize=" + kernel.memory().frameSize() + " is below " +
                MIN_FRAME_SIZE + ", the smallest frame that holds a channel's control page");
        }
        this.kernel = kernel;
        this.senderDomain = sender;
        this.receiverDomain = receiver;
    }

    /** Called by subclasses once their resources exist, so that a domain's death tears the channel down. */
    final void watchDomains()
    {
        kernel.addDomainListener(domainListener);
    }

    private void onDomainDestroyed(final Domain domain)
    {
        if (domain == senderDomain || domain == receiverDomain)
        {
            close();
        }
    }

    @Override
    public final boolean isOpen()
    {
        return state == OPEN;
    }

    final int state()
    {
        return state;
    }

    @Override
    public final void errorHandler(final Consumer<Throwable> handler)
    {
        this.errorHandler = handler;
    }

    /**
     * @param what the attempted operation, for the message.
     * @return the exception to throw: the channel is closed or broken.
     */
    final ChannelClosedException closedException(final String what)
    {
        return new ChannelClosedException(what + " on " + this + ": channel is " +
            (state == BROKEN ? "broken by a protocol violation" : "closed"));
    }

    /**
     * Breaks the channel because a peer broke the protocol: counts it on the domain that saw it, tells the error
     * handler once.
     *
     * @param observer the domain that detected the violation.
     * @param message  the broken rule with the values seen.
     * @return the exception for the caller to throw.
     */
    final ProtocolViolationException violation(final Domain observer, final String message)
    {
        final ProtocolViolationException ex = new ProtocolViolationException(message + " on " + this);
        observer.count(CounterType.PROTOCOL_VIOLATIONS, 1);
        if (STATE.compareAndSet(this, OPEN, BROKEN))
        {
            final Consumer<Throwable> handler = errorHandler;
            if (handler != null)
            {
                handler.accept(ex);
            }
        }
        return ex;
    }

    @Override
    public final void close()
    {
        STATE.setVolatile(this, CLOSED);
        synchronized (this)
        {
            if (released)
            {
                return;
            }
            released = true;
        }
        kernel.removeDomainListener(domainListener);
        release();
    }

    /** Drops the views and returns every frame and virtual range; skips what a destroyed domain already lost. */
    abstract void release();

    /**
     * Points a view at private zeroed memory of the same length before the kernel frees the frames behind it, so
     * that an end that still holds the view (a claim in progress, a handler that closed the channel) writes and
     * reads only that memory, never a freed or reused frame. The memory is off-heap like the frames, so a thread
     * that races the re-wrap sees either address, never a heap base with a raw offset.
     */
    static void discard(final UnsafeBuffer view)
    {
        final int length = view.capacity();
        if (length > 0)
        {
            view.wrap(ByteBuffer.allocateDirect(length));
        }
    }

    /** Kernel-side unmapping helper: unmaps {@code pages} pages if the domain is alive and still maps them. */
    static void unmapRange(final Kernel kernel, final Domain domain, final long address, final int pages)
    {
        if (address == 0 || !domain.isAlive())
        {
            return;
        }
        final int pageSize = domain.addressSpace().pageSize();
        for (int i = 0; i < pages; i++)
        {
            final long page = address + (long)i * pageSize;
            if (domain.addressSpace().frameAt(page) >= 0)
            {
                kernel.unmap(domain, page);
            }
        }
        kernel.unreserve(domain, address, pages);
    }

    /** Frees a run of frames if the owner is alive and still owns them. */
    static void freeRange(final Kernel kernel, final Domain owner, final int first, final int count)
    {
        if (first < 0 || !owner.isAlive())
        {
            return;
        }
        for (int frame = first; frame < first + count; frame++)
        {
            if (kernel.ownerOf(frame) == owner.id())
            {
                kernel.freeFrame(owner, frame);
            }
        }
    }

    @Override
    public String toString()
    {
        return getClass().getSimpleName() + "[" + senderDomain + " -> " + receiverDomain + "]";
    }
}
