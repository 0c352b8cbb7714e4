import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { equals } from '@bufbuild/protobuf';
import { createCodec } from '../../src/protocol/codec.js';
import { CountingCodec } from '../kit/counting-codec.js';
import {
  anyIs,
  anyUnpack,
  create,
  disconnectCommand,
  eventTypeName,
  fromBinary,
  JoinSessionReplyEventSchema,
  JoinSessionReplyEvent_ReplyType,
  LeaveSessionEventSchema,
  moduleMessage,
  packEvent,
  registry,
  RPCMessageSchema,
  ServerCommandSchema,
  ServerCommand_CommandType,
  teraEvent,
  TeraEventSchema,
  TeraMessageSchema,
  TeraModuleMessageSchema,
  unpackClientEvent,
  UserEventSchema,
  UserEvent_EventType,
  ValueSchema,
} from '../../src/protocol/messages.js';
import { isAppError } from '../../src/errors.js';

const codec = createCodec();
const badPayload = (err: unknown): boolean => isAppError(err) && err.code === 'BAD_PAYLOAD';
const userConnected = () =>
  packEvent(
    UserEventSchema,
    create(UserEventSchema, {
      userUuid: 'u-1',
      type: UserEvent_EventType.USER_CONNECTED,
      userFullname: 'Admin Admin',
    }),
  );

/** Bytes that no message decodes: truncated length, bad wire type, overlong varint, bad UTF-8. */
const GARBAGE: Uint8Array[] = [
  Uint8Array.of(0x0a, 0x05, 0x41),
  Uint8Array.of(0x0f),
  Uint8Array.of(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
  Uint8Array.from(Buffer.from('{"not": "protobuf"}')),
];

describe('codec: bus payloads', () => {
  test('TeraEvent round-trips through binary', () => {
    const leave = create(LeaveSessionEventSchema, {
      sessionUuid: 's-1',
      serviceUuid: 'svc-1',
      leavingParticipants: ['p-1'],
      leavingUsers: ['u-1', 'u-2'],
    });
    const event = teraEvent(
      'websocket.user.u-1.events',
      [userConnected(), packEvent(LeaveSessionEventSchema, leave)],
      1737470047.512345,
    );
    const decoded = codec.decodeEvent(codec.encodeEvent(event));
    assert.ok(equals(TeraEventSchema, decoded, event));
    assert.equal(decoded.header?.version, 1);
    assert.equal(decoded.header?.time, 1737470047.512345);
    assert.equal(decoded.header?.topic, 'websocket.user.u-1.events');
    const second = decoded.events[1];
    assert.ok(second && anyIs(second, LeaveSessionEventSchema));
    assert.deepEqual(anyUnpack(second, LeaveSessionEventSchema)?.leavingUsers, ['u-1', 'u-2']);
  });

  test('decodeEvent on garbage throws AppError BAD_PAYLOAD', () => {
    for (const payload of GARBAGE) {
      assert.throws(
        () => codec.decodeEvent(payload),
        badPayload,
        Buffer.from(payload).toString('hex'),
      );
      assert.throws(() => codec.decodeModuleMessage(payload), badPayload);
      assert.throws(() => codec.decodeRpc(payload), badPayload);
    }
    // invalid UTF-8 in a proto3 string (TeraEvent.header.topic) is refused, as Python does
    const badTopic = Uint8Array.of(0x0a, 0x03, 0x1a, 0x01, 0xff);
    assert.throws(() => codec.decodeEvent(badTopic), badPayload);
  });

  test('TeraModuleMessage with a ServerCommand round-trips; disconnectCommand is OpenTera’s', () => {
    const before = Date.now() / 1000;
    const message = disconnectCommand('module.TeraServer.TwistedModule.events.u-1');
    const decoded = codec.decodeModuleMessage(codec.encodeModuleMessage(message));
    assert.ok(equals(TeraModuleMessageSchema, decoded, message));
    const head = decoded.head;
    assert.ok(head);
    assert.equal(head.version, 1);
    assert.equal(head.seq, 0);
    assert.equal(head.source, 'module.TeraServer.UserManagerModule.messages');
    assert.equal(head.dest, 'module.TeraServer.TwistedModule.events.u-1');
    assert.ok(head.time >= before && head.time <= Date.now() / 1000);
    assert.equal(decoded.data.length, 1);
    const data = decoded.data[0];
    assert.ok(data);
    assert.equal(data.typeUrl, 'type.googleapis.com/opentera.protobuf.ServerCommand');
    const command = anyUnpack(data, ServerCommandSchema);
    assert.equal(command?.type, ServerCommand_CommandType.CMD_CLIENT_DISCONNECT);
    assert.equal(command?.data, undefined);

    const fromService = disconnectCommand('module.TeraServer.TwistedModule.events.u-1', 'x.y');
    assert.equal(fromService.head?.source, 'x.y');
  });

  test('moduleMessage builds head {version 1, time, seq 0, source, dest}', () => {
    const message = moduleMessage(
      'websocket.user.u-1',
      'module.X.messages',
      [userConnected()],
      7.5,
    );
    assert.equal(message.head?.version, 1);
    assert.equal(message.head?.time, 7.5);
    assert.equal(message.head?.seq, 0);
    assert.equal(message.head?.source, 'websocket.user.u-1');
    assert.equal(message.head?.dest, 'module.X.messages');
    assert.equal(message.data.length, 1);
  });

  test('RPCMessage with every Value case round-trips (oneof, 64-bit ids)', () => {
    const rpc = create(RPCMessageSchema, {
      method: 'online_users',
      replyTo: 'RedisRPCClient.1234',
      id: 18446744073709551615n,
      timestamp: 1737470047.25,
      args: [
        create(ValueSchema, { argValue: { case: 'doubleValue', value: 0.1 } }),
        create(ValueSchema, { argValue: { case: 'floatValue', value: Math.fround(1.5) } }),
        create(ValueSchema, { argValue: { case: 'intValue', value: -9007199254740993n } }),
        create(ValueSchema, { argValue: { case: 'uintValue', value: 9007199254740993n } }),
        create(ValueSchema, { argValue: { case: 'boolValue', value: false } }),
        create(ValueSchema, { argValue: { case: 'bytesValue', value: Uint8Array.of(0, 255) } }),
        create(ValueSchema, { argValue: { case: 'stringValue', value: 'Télé' } }),
        create(ValueSchema),
      ],
    });
    const decoded = codec.decodeRpc(codec.encodeRpc(rpc));
    assert.ok(equals(RPCMessageSchema, decoded, rpc));
    assert.equal(decoded.id, 18446744073709551615n);
    assert.deepEqual(
      decoded.args.map((a) => a.argValue.case),
      [
        'doubleValue',
        'floatValue',
        'intValue',
        'uintValue',
        'boolValue',
        'bytesValue',
        'stringValue',
        undefined,
      ],
    );
    // a oneof member set to its default is still present (bool false above)
    assert.equal(decoded.args[4]?.argValue.value, false);
  });
});

describe('codec: websocket frames', () => {
  test('binary frame = TeraMessage{message: Any(TeraEvent)}', () => {
    const event = teraEvent('module.TeraServer.UserManagerModule.events', [userConnected()], 3);
    const frame = codec.encodeFrame(event, 'binary');
    assert.ok(frame instanceof Uint8Array);
    const message = fromBinary(TeraMessageSchema, frame).message;
    assert.ok(message);
    assert.equal(message.typeUrl, 'type.googleapis.com/opentera.protobuf.TeraEvent');
    const inner = anyUnpack(message, TeraEventSchema);
    assert.ok(inner && equals(TeraEventSchema, inner, event));
  });

  test('json frame parses back with the same content', () => {
    const reply = create(JoinSessionReplyEventSchema, {
      sessionUuid: 's-1',
      userUuid: 'u-2',
      joinReply: JoinSessionReplyEvent_ReplyType.REPLY_BUSY,
    });
    const event = teraEvent('websocket.user.u-1.events', [
      packEvent(JoinSessionReplyEventSchema, reply),
    ]);
    const frame = codec.encodeFrame(event, 'json');
    assert.equal(typeof frame, 'string');
    const parsed = JSON.parse(frame as string) as {
      message: { events: Record<string, unknown>[] };
    };
    assert.deepEqual(parsed.message.events[0], {
      '@type': 'type.googleapis.com/opentera.protobuf.JoinSessionReplyEvent',
      sessionUuid: 's-1',
      userUuid: 'u-2',
      joinReply: 'REPLY_BUSY',
      participantUuid: '',
      deviceUuid: '',
      replyMsg: '',
    });
  });

  test('CountingCodec counts decodes, frame encodes per format and bus encodes', () => {
    const counting = new CountingCodec();
    const bytes = counting.encodeEvent(teraEvent('t', [userConnected()], 1));
    const event = counting.decodeEvent(bytes);
    counting.encodeFrame(event, 'json');
    counting.encodeFrame(event, 'binary');
    counting.encodeFrame(event, 'binary');
    assert.throws(() => counting.decodeEvent(Uint8Array.of(0x0f)), badPayload);
    assert.equal(counting.busEncodes, 1);
    assert.equal(counting.decodes, 2);
    assert.deepEqual(counting.encodes, { json: 1, binary: 2 });
    counting.reset();
    assert.deepEqual(
      [counting.busEncodes, counting.decodes, counting.encodes],
      [0, 0, { json: 0, binary: 0 }],
    );
  });
});

describe('messages helpers', () => {
  test('packEvent uses type.googleapis.com/opentera.protobuf.<Name>', () => {
    assert.equal(userConnected().typeUrl, 'type.googleapis.com/opentera.protobuf.UserEvent');
  });

  test('eventTypeName takes what follows the last "/", whatever the prefix', () => {
    const any = userConnected();
    assert.equal(eventTypeName(any), 'opentera.protobuf.UserEvent');
    any.typeUrl = 'evil.example/a/b/opentera.protobuf.UserEvent';
    assert.equal(eventTypeName(any), 'opentera.protobuf.UserEvent');
    assert.equal(unpackClientEvent(any)?.type, 'UserEvent');
    any.typeUrl = 'opentera.protobuf.UserEvent';
    assert.equal(eventTypeName(any), 'opentera.protobuf.UserEvent');
    any.typeUrl = 'type.googleapis.com/';
    assert.equal(eventTypeName(any), '');
  });

  test('unpackClientEvent decodes the nine client types and nothing else', () => {
    const decoded = unpackClientEvent(userConnected());
    assert.equal(decoded?.type, 'UserEvent');
    assert.equal(decoded?.type === 'UserEvent' && decoded.event.userFullname, 'Admin Admin');
    const command = packEvent(ServerCommandSchema, create(ServerCommandSchema, { type: 2 }));
    assert.equal(unpackClientEvent(command), undefined);
    const broken = userConnected();
    broken.value = Uint8Array.of(0x0a, 0x05, 0x41);
    assert.throws(() => unpackClientEvent(broken), badPayload);
  });

  test('the registry resolves every message of the dictionary', () => {
    const names = [
      'TeraMessage',
      'TeraEvent',
      'TeraEvent.Header',
      'TeraModuleMessage',
      'TeraModuleMessage.Header',
      'ServerCommand',
      'UserEvent',
      'ParticipantEvent',
      'DeviceEvent',
      'JoinSessionEvent',
      'JoinSessionReplyEvent',
      'LeaveSessionEvent',
      'StopSessionEvent',
      'ArchiveEvent',
      'DatabaseEvent',
      'RPCMessage',
      'Value',
      'LogEvent',
      'LoginEvent',
      'CreateSession',
      'Result',
      'UserRegisterToEvent',
    ];
    for (const name of names) {
      assert.ok(registry.getMessage(`opentera.protobuf.${name}`), name);
    }
  });
});
