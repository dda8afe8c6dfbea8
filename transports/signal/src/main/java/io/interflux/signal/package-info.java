/** Signals received as a Flux and sent to processes. */
package io.interflux.signal;
