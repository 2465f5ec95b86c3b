package io.barge.rbufs;

import io.barge.core.ChannelClosedException;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.notify.NotifyChannel;
import io.barge.core.notify.NotifyHandler;
import io.barge.core.notify.NotifyReceiver;
import io.barge.core.notify.NotifySender;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Status;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.function.Consumer;

/**
 * A test double of a notification channel: a bounded queue of copied messages. Lets unit tests run without the
 * notification core and lets a test hold the sending end to forge counters.
 */
final class QueueNotify implements NotifyChannel
{
    static final NotifyFactory FACTORY = QueueNotify::new;

    private final Domain from;
    private final Domain to;
    private final ArrayBlockingQueue<byte[]> queue;
    private final UnsafeBuffer claimBuffer = new UnsafeBuffer(new byte[64]);
    private volatile boolean open = true;

    QueueNotify(final Kernel kernel, final Domain from, final Domain to, final ChannelConfig.Notification kind,
        final int slots)
    {
        this.from = from;
        this.to = to;
        this.queue = new ArrayBlockingQueue<>(slots);
    }

    private final NotifySender sender = new NotifySender()
    {
        public Domain domain()
        {
            return from;
        }

        public int tryClaim()
        {
            if (!open)
            {
                throw new ChannelClosedException("closed");
            }
            return queue.remainingCapacity() == 0 ? Status.BACK_PRESSURED : 0;
        }

        public MutableDirectBuffer buffer()
        {
            return claimBuffer;
        }

        public void commit(final int type, final int length)
        {
            final byte[] message = new byte[length + 1];
            message[0] = (byte)type;
            claimBuffer.getBytes(0, message, 1, length);
            queue.add(message);
        }
    };

    private final NotifyReceiver receiver = new NotifyReceiver()
    {
        public Domain domain()
        {
            return to;
        }

        public int poll(final NotifyHandler handler, final int limit)
        {
            if (!open)
            {
                throw new ChannelClosedException("closed");
            }
            int n = 0;
            byte[] message;
            while (n < limit && (message = queue.poll()) != null)
            {
                final UnsafeBuffer view = new UnsafeBuffer(message);
                handler.onNotify(message[0], view, 1, message.length - 1);
                n++;
            }
            return n;
        }
    };

    public NotifySender sender()
    {
        return sender;
    }

    public NotifyReceiver receiver()
    {
        return receiver;
    }

    public boolean isOpen()
    {
        return open;
    }

    public void errorHandler(final Consumer<Throwable> handler)
    {
    }

    public void close()
    {
        open = false;
    }
}
