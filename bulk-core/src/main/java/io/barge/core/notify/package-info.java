/**
 * The notification core, after Barrelfish's inter-dispatcher communication (seed 003): small typed messages between
 * domains, and the event machinery that runs their handlers.
 * <ul>
 *   <li>{@link io.barge.core.notify.Notifications} opens one-way channels:
 *       {@link io.barge.core.notify.UmpChannel} (a ring of cache-line slots in shared frames, polled by the
 *       receiver; layout {@link io.barge.core.notify.UmpDescriptor}) or {@link io.barge.core.notify.LmpChannel}
 *       (the kernel copies each message into the receiver's endpoint; layout
 *       {@link io.barge.core.notify.LmpDescriptor}).</li>
 *   <li>{@link io.barge.core.notify.Waitset} and {@link io.barge.core.notify.WaitsetChannel}: event channels that
 *       are unregistered, idle, polled or pending, delivered exactly once to a dispatching thread;
 *       {@link io.barge.core.notify.Core} is an event-loop agent that dispatches them.</li>
 *   <li>{@link io.barge.core.notify.Binding} and {@link io.barge.core.notify.NameService}: Flounder-style binding
 *       objects over a pair of channels, found by name.</li>
 * </ul>
 */
package io.barge.core.notify;
