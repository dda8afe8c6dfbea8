/** Named pipes (FIFOs) as Flux and send. */
package io.interflux.fifo;
