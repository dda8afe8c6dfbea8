/** POSIX and System V message queues. */
package io.interflux.mqueue;
