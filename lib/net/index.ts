// Network headers from bytes: link layers, IPv4/IPv6, TCP/UDP. Pure functions over a Cursor, shared by the
// text reader and a pcap reader; they import nothing but the cursor.

export { ipv4Text, ipv6Text } from './addr.js';
export {
  decodeLink,
  linkMayPad,
  linkTypeName,
  LINKTYPE,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  MAX_LINK_TAGS,
  type Link,
  type LinkTypeName,
} from './link.js';
export { decodeIp, decodeIpv4, decodeIpv6, IPPROTO_TCP, IPPROTO_UDP, MAX_IPV6_EXT_HEADERS, type Ip } from './ip.js';
export { decodeTcp, decodeUdp, tcpOptions, TCPOPT, type Tcp, type TcpOption, type Udp } from './tcp.js';
export { decodeFrame, frameScore, isFrame, type Frame, type FrameError, type FrameErrorCode, type FrameFit } from './frame.js';
