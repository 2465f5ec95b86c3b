/**
 * Support for the jcstress tests, which live in the packages of the classes they test: a shared simulated machine
 * and pools of reusable per-state resources.
 */
package io.barge.jcstress;
