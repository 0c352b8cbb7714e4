import type { TeraEvent, TeraModuleMessage, RPCMessage } from '../../src/protocol/messages.js';
import { createCodec, type Codec, type WireFormat } from '../../src/protocol/codec.js';

/**
 * A Codec that counts the event work it delegates, so tests can assert the fan-out's cost
 * (one decode per bus message, one frame encode per wire format). Every call counts, including
 * one that throws.
 */
export class CountingCodec implements Codec {
  /** decodeEvent calls. */
  decodes = 0;
  /** encodeFrame calls, per wire format. */
  encodes: Record<WireFormat, number> = { json: 0, binary: 0 };
  /** encodeEvent calls. */
  busEncodes = 0;

  constructor(private readonly inner: Codec = createCodec()) {}

  decodeEvent(payload: Uint8Array): TeraEvent {
    this.decodes++;
    return this.inner.decodeEvent(payload);
  }

  encodeEvent(event: TeraEvent): Uint8Array {
    this.busEncodes++;
    return this.inner.encodeEvent(event);
  }

  encodeFrame(event: TeraEvent, format: WireFormat): string | Uint8Array {
    this.encodes[format]++;
    return this.inner.encodeFrame(event, format);
  }

  decodeModuleMessage(payload: Uint8Array): TeraModuleMessage {
    return this.inner.decodeModuleMessage(payload);
  }

  encodeModuleMessage(message: TeraModuleMessage): Uint8Array {
    return this.inner.encodeModuleMessage(message);
  }

  decodeRpc(payload: Uint8Array): RPCMessage {
    return this.inner.decodeRpc(payload);
  }

  encodeRpc(message: RPCMessage): Uint8Array {
    return this.inner.encodeRpc(message);
  }

  /** Sets every counter back to zero. */
  reset(): void {
    this.decodes = 0;
    this.encodes = { json: 0, binary: 0 };
    this.busEncodes = 0;
  }
}
