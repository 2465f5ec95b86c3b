package io.barge.core.machine;

/**
 * An end of the transport SPI over a process channel: what its channel's close needs of it.
 */
interface SpiEnd
{
    /**
     * @return the end's SPI state (its gate, its local domain's range).
     */
    SpiEndState spi();
}
