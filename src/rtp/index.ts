/**
 * RTP receive statistics (RFC 3550 §6.4.1, Appendices A.1, A.3, A.8) and RTP/RTCP packet helpers.
 * Pure: no I/O, no timers.
 */
export { RtpReceiveStats } from './stats.ts'
export type { RtpIntervalReport, RtpPacketInfo, RtpStatsSnapshot, RtpTimelineBucket, Rfc3550SourceState } from './stats-types.ts'
export { Rfc3550Sequence, RTP_SEQ_MOD, MAX_DROPOUT, MAX_MISORDER, MIN_SEQUENTIAL, signed16, signed32, clampCumulativeLost } from './seq.ts'
export type { SeqVerdict } from './seq.ts'
export { SeqWindow, SEQ_WINDOW } from './seq-window.ts'
export type { SeqAddResult } from './seq-window.ts'
export { InterarrivalJitter } from './jitter.ts'
export { parseRtp, serializeRtp, parseHeaderExtensionElements, serializeHeaderExtensionElements } from './packet.ts'
export type { RtpPacket, RtpHeaderExtension, RtpExtensionElement } from './packet.ts'
export { parseRtcp, serializeSr, serializeRr, serializeSdesCname, serializeBye, compoundRtcp, RTCP_PT } from './rtcp.ts'
export type { RtcpPacket, RtcpSenderReport, RtcpReceiverReport, RtcpReportBlock, RtcpSdes, RtcpSdesChunk, RtcpSdesItem, RtcpBye, RtcpOther } from './rtcp.ts'
export { writePcap, readPcap, LINKTYPE_RAW } from './pcap.ts'
export type { UdpFlow, PcapDatagram, PcapRecord } from './pcap.ts'
export { serializeTelephoneEvent, parseTelephoneEvent, collectDtmf, dtmfEventCode, dtmfDigit, validateDtmfDigits, DTMF_DIGITS } from './telephone-event.ts'
export type { TelephoneEvent, TelephoneEventPacket, CollectDtmfOptions } from './telephone-event.ts'
export {
  parseVp8Descriptor,
  parseVp8FrameHeader,
  parseVp8Packet,
  parseH264Packet,
  parseH264PacketInfo,
  parseH264Sps,
  parseVideoPacket,
  nalToRbsp,
  H264_NAL,
} from './video-payload.ts'
export type { Vp8Descriptor, Vp8FrameHeader, VideoPacketInfo, VideoPayloadCodec, H264NalRef, H264Packet, H264Sps } from './video-payload.ts'
