package io.barge.core;

/**
 * Trusted code that keeps frames pinned past a teardown until nothing can touch them any more (a notification
 * channel whose end on another thread has not been called since the teardown) and can tell later whether that time
 * has come, e.g. because that thread has ended. The kernel asks every registered reclaimer, outside its monitor,
 * before it reports its free frames ({@link Kernel#freeFrames()}) and before an allocation fails for want of frames,
 * so frames held only for threads that have since ended come back without anybody calling those ends.
 */
@FunctionalInterface
public interface PinReclaimer
{
    /**
     * Drops the pins whose holder can no longer touch their frames (which frees the frames whose last pin that was).
     *
     * @return true when this reclaimer holds no pins any more: the kernel forgets it.
     */
    boolean reclaim();
}
