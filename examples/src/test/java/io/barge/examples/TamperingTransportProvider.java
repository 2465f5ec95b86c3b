package io.barge.examples;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.notify.Waitset;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.OptionSpec;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Transport;
import io.barge.core.transport.TransportOptions;
import io.barge.core.transport.TransportProvider;
import io.barge.core.transport.Transports;

import java.util.List;

/**
 * Test transports, found by name as every transport is, that carry messages over {@code copy} but break one thing
 * each, so that the examples' own checks are seen to fail: run unchanged over {@code tamper-reorder}, an example
 * must refuse message 1 (its sequence word says 2), over {@code tamper-byte} message 2 (its last byte is off), over
 * {@code tamper-short} message 3 (8 bytes short), over {@code tamper-lose-last} the count (the 16,384th message is
 * dropped, the end of stream still sent), and over {@code tamper-leak} the free frames (the transport takes a frame
 * that its close does not give back). Only a source's commits are changed; forwards go through untouched.
 */
public abstract class TamperingTransportProvider implements TransportProvider
{
    /** The examples' message count: the last message's index is one less. */
    static final long EXAMPLE_COUNT = 16_384;

    private final String name;

    TamperingTransportProvider(final String name)
    {
        this.name = name;
    }

    /**
     * Changes committed message {@code index} through its claim, before the real commit.
     *
     * @return whether to commit it (false: it is aborted, lost).
     */
    boolean tamper(final long index, final Claim claim)
    {
        return true;
    }

    /** Called once when the transport is created. */
    void onCreate(final Kernel kernel)
    {
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    public String description()
    {
        return "test only: copy, with one fault the examples must notice";
    }

    @Override
    public List<OptionSpec> options()
    {
        return List.of();
    }

    @Override
    public Transport create(final Kernel kernel, final TransportOptions options)
    {
        final Transport copy = Transports.create(kernel, "copy");
        onCreate(kernel);
        return new Tampering(this, copy, options);
    }

    /** Message 1 carries sequence number 2. */
    public static final class Reorder extends TamperingTransportProvider
    {
        /** For the ServiceLoader. */
        public Reorder()
        {
            super("tamper-reorder");
        }

        @Override
        boolean tamper(final long index, final Claim claim)
        {
            if (index == 1)
            {
                claim.buffer().putLong(0, 2);
            }
            return true;
        }
    }

    /** Message 2's last byte is one more than it should be. */
    public static final class OneWrongByte extends TamperingTransportProvider
    {
        /** For the ServiceLoader. */
        public OneWrongByte()
        {
            super("tamper-byte");
        }

        @Override
        boolean tamper(final long index, final Claim claim)
        {
            if (index == 2)
            {
                final int last = claim.length() - 1;
                claim.buffer().putByte(last, (byte)(claim.buffer().getByte(last) + 1));
            }
            return true;
        }
    }

    /** Message 3 loses its last 8 bytes. */
    public static final class Short extends TamperingTransportProvider
    {
        /** For the ServiceLoader. */
        public Short()
        {
            super("tamper-short");
        }

        @Override
        boolean tamper(final long index, final Claim claim)
        {
            if (index == 3)
            {
                claim.shrink(claim.length() - 8);
            }
            return true;
        }
    }

    /** The examples' last message is aborted instead of committed. */
    public static final class LoseTheLast extends TamperingTransportProvider
    {
        /** For the ServiceLoader. */
        public LoseTheLast()
        {
            super("tamper-lose-last");
        }

        @Override
        boolean tamper(final long index, final Claim claim)
        {
            return index != EXAMPLE_COUNT - 1;
        }
    }

    /** Takes one frame (the kernel's, so only the kernel's close frees it) and never gives it back. */
    public static final class LeakAFrame extends TamperingTransportProvider
    {
        /** For the ServiceLoader. */
        public LeakAFrame()
        {
            super("tamper-leak");
        }

        @Override
        void onCreate(final Kernel kernel)
        {
            kernel.allocateFrame(kernel.kernelDomain(), false);
        }
    }

    private static final class Tampering implements Transport
    {
        private final TamperingTransportProvider provider;
        private final Transport copy;
        private final TransportOptions options;

        Tampering(final TamperingTransportProvider provider, final Transport copy, final TransportOptions options)
        {
            this.provider = provider;
            this.copy = copy;
            this.options = options;
        }

        @Override
        public String name()
        {
            return provider.name();
        }

        @Override
        public TransportOptions options()
        {
            return options;
        }

        @Override
        public Channel open(final Domain sender, final Domain receiver, final ChannelConfig config)
        {
            final Channel channel = copy.open(sender, receiver, config);
            final Sender tampering = new TamperingSender(provider, channel.sender());
            return new Channel()
            {
                @Override
                public Sender sender()
                {
                    return tampering;
                }

                @Override
                public Receiver receiver()
                {
                    return channel.receiver();
                }

                @Override
                public boolean isOpen()
                {
                    return channel.isOpen();
                }

                @Override
                public void close()
                {
                    channel.close();
                }
            };
        }

        @Override
        public void close()
        {
            copy.close();
        }
    }

    /** Passes every call on, changing commits as the provider says. */
    private static final class TamperingSender implements Sender
    {
        private final TamperingTransportProvider provider;
        private final Sender sender;
        private long commits;

        TamperingSender(final TamperingTransportProvider provider, final Sender sender)
        {
            this.provider = provider;
            this.sender = sender;
        }

        @Override
        public Domain domain()
        {
            return sender.domain();
        }

        @Override
        public int maxMessageLength()
        {
            return sender.maxMessageLength();
        }

        @Override
        public Claim newClaim()
        {
            return sender.newClaim();
        }

        @Override
        public int tryClaim(final int length, final Claim claim)
        {
            return sender.tryClaim(length, claim);
        }

        @Override
        public void commit(final Claim claim)
        {
            if (provider.tamper(commits++, claim))
            {
                sender.commit(claim);
            }
            else
            {
                sender.abort(claim);
            }
        }

        @Override
        public void abort(final Claim claim)
        {
            sender.abort(claim);
        }

        @Override
        public int forward(final Message message)
        {
            return sender.forward(message);
        }

        @Override
        public void finish()
        {
            sender.finish();
        }

        @Override
        public void registerForSpace(final Waitset waitset, final Runnable handler)
        {
            sender.registerForSpace(waitset, handler);
        }
    }
}
