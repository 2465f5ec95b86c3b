package io.barge.drivers.pipeline;

/**
 * A stage of a {@link Pipeline} threw: the run was stopped, every channel and transport torn down, and this carries
 * the first error as its cause and the stage that raised it in its message.
 */
public final class PipelineFailedException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed.
     * @param cause   the stage's error.
     */
    public PipelineFailedException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
