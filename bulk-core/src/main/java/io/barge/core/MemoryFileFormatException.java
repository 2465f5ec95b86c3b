package io.barge.core;

/**
 * A memory-mapped physical memory file is not one Barge can attach to: wrong magic, wrong version, or shorter than
 * the layout its header describes.
 */
public class MemoryFileFormatException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what was found and what was expected.
     */
    public MemoryFileFormatException(final String message)
    {
        super(message);
    }
}
