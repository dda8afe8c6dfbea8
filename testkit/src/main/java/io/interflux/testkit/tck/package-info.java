/**
 * The Reactive Streams TCK ({@code org.reactivestreams:reactive-streams-tck}, TestNG) for Interflux
 * endpoints: {@link io.interflux.testkit.tck.IpcPublisherVerification} for a receive stream,
 * {@link io.interflux.testkit.tck.IpcSubscriberVerification} for the subscriber a send puts on the
 * publisher it is given. Both release what each test opened after it, check at the end of the class
 * that no operating-system object was left behind ({@link io.interflux.testkit.LeakCheck}), check
 * that BlockHound is watching, and wait with timeouts made for a loaded machine
 * ({@link io.interflux.testkit.tck.TckTimeouts}).
 *
 * <p>The TCK and TestNG are optional dependencies of the testkit: add
 * {@code org.reactivestreams:reactive-streams-tck} (which brings TestNG) to your tests, and
 * {@code org.junit.support:testng-engine} to run them on the JUnit Platform beside JUnit 5 tests.
 */
package io.interflux.testkit.tck;
