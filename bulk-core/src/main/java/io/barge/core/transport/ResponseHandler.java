package io.barge.core.transport;

/**
 * Told of each answer a receiver gave, by {@link Sender#pollResponses(ResponseHandler, int)}.
 */
@FunctionalInterface
public interface ResponseHandler
{
    /**
     * @param messageId the id the message's claim had ({@link Claim#messageId()}).
     * @param status    {@link Status#OK} or {@link Status#ERROR}, as the receiver answered.
     */
    void onResponse(long messageId, int status);
}
