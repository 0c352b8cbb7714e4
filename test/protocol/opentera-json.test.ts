/**
 * Golden websocket frames: the text must be byte-identical to what OpenTera (Python protobuf
 * `MessageToJson(..., always_print_fields_with_no_presence=True)`) sends, spec §7.4.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { createCodec } from '../../src/protocol/codec.js';
import {
  create,
  DeviceEventSchema,
  DeviceEvent_EventType,
  JoinSessionEventSchema,
  packEvent,
  ParticipantEventSchema,
  ParticipantEvent_EventType,
  registry,
  teraEvent,
  TeraEventSchema,
  TeraEvent_HeaderSchema,
  UserEventSchema,
  UserEvent_EventType,
  ValueSchema,
  type Any,
} from '../../src/protocol/messages.js';
import {
  pythonFloatRepr,
  pythonJsonString,
  renderOpenTeraJson,
} from '../../src/protocol/opentera-json.js';
import { isAppError } from '../../src/errors.js';

const codec = createCodec();
const UM_EVENTS = 'module.TeraServer.UserManagerModule.events';
const json = (events: Any[], time = 1737470047.512345, topic = UM_EVENTS): string =>
  codec.encodeFrame(teraEvent(topic, events, time), 'json') as string;

describe('OpenTera JSON frames (golden)', () => {
  test('ParticipantEvent: the spec §7.4 example, byte for byte', () => {
    const event = create(ParticipantEventSchema, {
      participantUuid: 'p-1',
      type: ParticipantEvent_EventType.PARTICIPANT_CONNECTED,
      participantName: 'Participant #1',
      participantProjectName: 'Default Project #1',
      participantSiteName: 'Default Site',
    });
    assert.equal(
      json([packEvent(ParticipantEventSchema, event)]),
      String.raw`{
  "message": {
    "@type": "type.googleapis.com/opentera.protobuf.TeraEvent",
    "header": {
      "version": 1,
      "time": 1737470047.512345,
      "topic": "module.TeraServer.UserManagerModule.events"
    },
    "events": [
      {
        "@type": "type.googleapis.com/opentera.protobuf.ParticipantEvent",
        "participantUuid": "p-1",
        "type": "PARTICIPANT_CONNECTED",
        "participantName": "Participant #1",
        "participantProjectName": "Default Project #1",
        "participantSiteName": "Default Site"
      }
    ]
  }
}`,
    );
  });

  test('UserEvent with an integral time prints the double as 1737470047.0', () => {
    const event = create(UserEventSchema, {
      userUuid: 'u-1',
      type: UserEvent_EventType.USER_DISCONNECTED,
      userFullname: 'Admin Admin',
    });
    assert.equal(
      json([packEvent(UserEventSchema, event)], 1737470047),
      String.raw`{
  "message": {
    "@type": "type.googleapis.com/opentera.protobuf.TeraEvent",
    "header": {
      "version": 1,
      "time": 1737470047.0,
      "topic": "module.TeraServer.UserManagerModule.events"
    },
    "events": [
      {
        "@type": "type.googleapis.com/opentera.protobuf.UserEvent",
        "userUuid": "u-1",
        "type": "USER_DISCONNECTED",
        "userFullname": "Admin Admin"
      }
    ]
  }
}`,
    );
  });

  test('DeviceEvent STATUS_CHANGED: JSON-in-string status is escaped', () => {
    const event = create(DeviceEventSchema, {
      deviceUuid: 'd-1',
      type: DeviceEvent_EventType.DEVICE_STATUS_CHANGED,
      deviceName: 'Apple Watch #W05P1',
      deviceStatus: '{"status": {"battery": 0.5}, "path\\to": "a\nb"}',
    });
    assert.equal(
      json([packEvent(DeviceEventSchema, event)], 1.5, 'websocket.user.u-1.events'),
      String.raw`{
  "message": {
    "@type": "type.googleapis.com/opentera.protobuf.TeraEvent",
    "header": {
      "version": 1,
      "time": 1.5,
      "topic": "websocket.user.u-1.events"
    },
    "events": [
      {
        "@type": "type.googleapis.com/opentera.protobuf.DeviceEvent",
        "deviceUuid": "d-1",
        "type": "DEVICE_STATUS_CHANGED",
        "deviceName": "Apple Watch #W05P1",
        "deviceStatus": "{\"status\": {\"battery\": 0.5}, \"path\\to\": \"a\nb\"}"
      }
    ]
  }
}`,
    );
  });

  test('JoinSessionEvent: set fields by number, then unset ones ("" and []) in declaration order', () => {
    const event = create(JoinSessionEventSchema, {
      sessionUrl: 'https://127.0.0.1:40075/webrtc/1234/#param',
      sessionUuid: 's-1',
      sessionParticipants: ['p-1', 'p-2'],
      sessionUsers: ['u-1'],
      sessionParameters: '{"camera": "Webcam"}',
      serviceUuid: 'svc-1',
    });
    assert.equal(
      json([packEvent(JoinSessionEventSchema, event)], 0.25, 'websocket.participant.p-1.events'),
      String.raw`{
  "message": {
    "@type": "type.googleapis.com/opentera.protobuf.TeraEvent",
    "header": {
      "version": 1,
      "time": 0.25,
      "topic": "websocket.participant.p-1.events"
    },
    "events": [
      {
        "@type": "type.googleapis.com/opentera.protobuf.JoinSessionEvent",
        "sessionUrl": "https://127.0.0.1:40075/webrtc/1234/#param",
        "sessionUuid": "s-1",
        "sessionParticipants": [
          "p-1",
          "p-2"
        ],
        "sessionUsers": [
          "u-1"
        ],
        "sessionParameters": "{\"camera\": \"Webcam\"}",
        "serviceUuid": "svc-1",
        "sessionCreatorName": "",
        "sessionDevices": [],
        "joinMsg": ""
      }
    ]
  }
}`,
    );
  });

  test('non-ASCII is escaped as \\uXXXX, astral characters as surrogate pairs', () => {
    const event = create(DeviceEventSchema, {
      deviceUuid: 'd-2',
      type: DeviceEvent_EventType.DEVICE_CONNECTED,
      deviceName: 'Kit Télé #1 🎥',
    });
    assert.equal(
      json([packEvent(DeviceEventSchema, event)], 1737470047.5),
      String.raw`{
  "message": {
    "@type": "type.googleapis.com/opentera.protobuf.TeraEvent",
    "header": {
      "version": 1,
      "time": 1737470047.5,
      "topic": "module.TeraServer.UserManagerModule.events"
    },
    "events": [
      {
        "@type": "type.googleapis.com/opentera.protobuf.DeviceEvent",
        "deviceUuid": "d-2",
        "type": "DEVICE_CONNECTED",
        "deviceName": "Kit T\u00e9l\u00e9 #1 \ud83c\udfa5",
        "deviceStatus": ""
      }
    ]
  }
}`,
    );
  });

  test('defaults: enum zero by name, unknown enum number as an integer, empty header printed', () => {
    const unknownType = create(UserEventSchema, {
      userUuid: 'u-1',
      type: 42 as UserEvent_EventType,
    });
    const zeroType = create(UserEventSchema, { userFullname: 'Nobody' });
    const frame = codec.encodeFrame(
      create(TeraEventSchema, {
        header: create(TeraEvent_HeaderSchema),
        events: [packEvent(UserEventSchema, unknownType), packEvent(UserEventSchema, zeroType)],
      }),
      'json',
    );
    assert.equal(
      frame,
      String.raw`{
  "message": {
    "@type": "type.googleapis.com/opentera.protobuf.TeraEvent",
    "header": {
      "version": 0,
      "time": 0.0,
      "topic": ""
    },
    "events": [
      {
        "@type": "type.googleapis.com/opentera.protobuf.UserEvent",
        "userUuid": "u-1",
        "type": 42,
        "userFullname": ""
      },
      {
        "@type": "type.googleapis.com/opentera.protobuf.UserEvent",
        "userFullname": "Nobody",
        "userUuid": "",
        "type": "USER_UNKNOWN"
      }
    ]
  }
}`,
    );
  });

  test('no header: omitted; no events: []', () => {
    assert.equal(
      codec.encodeFrame(create(TeraEventSchema), 'json'),
      String.raw`{
  "message": {
    "@type": "type.googleapis.com/opentera.protobuf.TeraEvent",
    "events": []
  }
}`,
    );
  });

  test('an Any with a foreign prefix keeps its type_url verbatim and is decoded by name', () => {
    const any = packEvent(UserEventSchema, create(UserEventSchema, { userUuid: 'u-9', type: 1 }));
    any.typeUrl = 'example.org/types/opentera.protobuf.UserEvent';
    assert.match(
      json([any]),
      /"@type": "example\.org\/types\/opentera\.protobuf\.UserEvent",\n {8}"userUuid": "u-9",\n {8}"type": "USER_CONNECTED",/,
    );
  });

  test('an event type outside the dictionary never becomes a frame', () => {
    const foreign = packEvent(UserEventSchema, create(UserEventSchema));
    foreign.typeUrl = 'type.googleapis.com/opentera.protobuf.NotAnEvent';
    for (const format of ['json', 'binary'] as const) {
      assert.throws(
        () => codec.encodeFrame(teraEvent(UM_EVENTS, [foreign], 1), format),
        (err: unknown) => isAppError(err) && err.code === 'BAD_PAYLOAD',
      );
    }
  });

  test('a known type with undecodable bytes is refused in JSON', () => {
    const broken = packEvent(UserEventSchema, create(UserEventSchema));
    broken.value = Uint8Array.of(0x0a, 0x05, 0x41);
    assert.throws(
      () => json([broken]),
      (err: unknown) => isAppError(err) && err.code === 'BAD_PAYLOAD',
    );
  });

  test('oneof members, 64-bit integers, bytes, bool and float as json_format prints them', () => {
    const render = (value: MessageInitShape<typeof ValueSchema>): string =>
      renderOpenTeraJson(ValueSchema, create(ValueSchema, value), registry);
    assert.equal(render({}), '{}');
    assert.equal(
      render({ argValue: { case: 'intValue', value: -9007199254740993n } }),
      '{\n  "intValue": "-9007199254740993"\n}',
    );
    assert.equal(
      render({ argValue: { case: 'uintValue', value: 0n } }),
      '{\n  "uintValue": "0"\n}',
    );
    assert.equal(
      render({ argValue: { case: 'bytesValue', value: Uint8Array.of(0xfb, 0xff) } }),
      '{\n  "bytesValue": "+/8="\n}',
    );
    assert.equal(
      render({ argValue: { case: 'boolValue', value: false } }),
      '{\n  "boolValue": false\n}',
    );
    // Python's ToShortestFloat: 0.1f is 0.100000001490116…, printed as 0.1
    assert.equal(
      render({ argValue: { case: 'floatValue', value: Math.fround(0.1) } }),
      '{\n  "floatValue": 0.1\n}',
    );
    // ties round to even, as '%.8g' does: 297998.625 -> 297998.62
    assert.equal(
      render({ argValue: { case: 'floatValue', value: 297998.625 } }),
      '{\n  "floatValue": 297998.62\n}',
    );
    assert.equal(
      render({ argValue: { case: 'doubleValue', value: Number.NaN } }),
      '{\n  "doubleValue": "NaN"\n}',
    );
    assert.equal(
      render({ argValue: { case: 'doubleValue', value: -Infinity } }),
      '{\n  "doubleValue": "-Infinity"\n}',
    );
  });
});

describe('Python formatting primitives', () => {
  test('doubles print like Python repr()', () => {
    const cases: [number, string][] = [
      [1, '1.0'],
      [1737470047, '1737470047.0'],
      [1737470047.512345, '1737470047.512345'],
      [0.1, '0.1'],
      [-2.5, '-2.5'],
      [0, '0.0'],
      [-0, '-0.0'],
      [0.0001, '0.0001'],
      [0.00001, '1e-05'],
      [1.5e-7, '1.5e-07'],
      [1234567890123456, '1234567890123456.0'],
      [1e16, '1e+16'],
      [1.2345e22, '1.2345e+22'],
      [5e-324, '5e-324'],
      [1.7976931348623157e308, '1.7976931348623157e+308'],
    ];
    for (const [value, text] of cases) assert.equal(pythonFloatRepr(value), text, String(value));
  });

  test('strings print like json.dumps(ensure_ascii=True)', () => {
    assert.equal(pythonJsonString('a"b\\c/d'), String.raw`"a\"b\\c/d"`);
    assert.equal(pythonJsonString('\n\r\t\b\f'), String.raw`"\n\r\t\b\f"`);
    assert.equal(
      pythonJsonString('\u0000\u001f\u007f\u0080'),
      String.raw`"\u0000\u001f\u007f\u0080"`,
    );
    assert.equal(pythonJsonString('é\u2028😀'), String.raw`"\u00e9\u2028\ud83d\ude00"`);
  });
});
