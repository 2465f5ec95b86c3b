package io.barge.rbufs;

import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.InvalidOptionException;
import io.barge.core.transport.Transport;
import io.barge.core.transport.TransportProvider;
import io.barge.core.transport.Transports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

@Timeout(30)
class RbufsTransportProviderTest extends RbufsFixture
{
    @Test
    void foundByNameWithBothModes()
    {
        final TransportProvider provider = Transports.find("rbufs");
        assertEquals(RbufsTransportProvider.class, provider.getClass());
        assertEquals(2, provider.modes().size());
        assertThrows(InvalidOptionException.class, () -> Transports.create(kernel, "rbufs", Map.of("mode", "x")));
    }

    @Test
    void eachModeOpensWorkingChannelsAndCloseReturnsEveryFrame()
    {
        for (final String mode : new String[]{ "tmm", "rmm" })
        {
            try (Transport transport = Transports.create(kernel, "rbufs", Map.of("mode", mode)))
            {
                assertEquals(RbufsChannel.Mode.valueOf(mode.toUpperCase()), ((RbufsTransport)transport).mode());
                assertWorks(transport.open(a, b, ChannelConfig.defaults()));
                assertWorks(transport.open(b, c, ChannelConfig.defaults().withNotification(
                    ChannelConfig.Notification.LMP)));
            }
            assertEquals(freeAtStart, kernel.freeFrames(), mode);
        }
    }
}
