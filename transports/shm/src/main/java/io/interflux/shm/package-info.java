/** Shared-memory message rings between processes: {@link io.interflux.shm.SharedRing}. */
package io.interflux.shm;
