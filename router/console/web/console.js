/* vpclab console: the browser side of the local web console (resource map, packet trace, tables, traffic). */
//
// Plain ES2018, no libraries. Everything comes from the console server with the page's token (?token=…)
// in the X-Vpclab-Token header; lab data reaches the page through textContent only, except the map SVG,
// which the server escapes and which must be inline for the CSS to reach its classes.
//
// A trace to run once the map and the lab are loaded, in the URL's hash (URLSearchParams syntax):
//   #trace-source=jh-test-Private-EC2&trace-destination=s3.ap-northeast-2.amazonaws.com&trace-protocol=tcp&trace-port=443
// trace-protocol defaults to icmp; trace-port counts for tcp and udp only. Running a trace from the form
// writes the same hash, so the address bar can be copied to share the trace.
//
// Test hooks: document.body.dataset.map = "loaded" once the first map is in the page;
// document.body.dataset.trace = "drawn" or "error" once a trace is drawn (removed while one runs).
'use strict';

const TOKEN = new URLSearchParams(location.search).get('token') || '';
const POLL_MS = 2000;
const SVG_NS = 'http://www.w3.org/2000/svg';
// The AWS ids a trace step's Port and Detail texts may name.
const ID_PATTERN = /\b(?:i|eni|rtb|igw|nat|vpce|pcx|tgw-attach|tgw|acl|sg|subnet|vpc)-[0-9a-f]{8,17}\b/g;
const FLOW_LOG_LINES = 200;

const state = {
  generation: null,
  labLoaded: false,
  mapLoaded: false,
  hashTraceDone: false,
  polling: false,
  downSince: null,
  currentView: 'map',
  mapScale: 1,
  mapFitted: false,
  selectedNodeId: null,
  lastTrace: null,        // the Vpclab.Trace result drawn on the map (drawn again on each new map)
  traceGeneration: null,  // the lab's generation when it was traced
  traceTicket: 0,
  cache: {},              // view -> the data it last loaded, so selecting a row re-renders without fetching
  selected: {},           // view -> the key of its selected row
  trafficTimer: null,
  trafficBusy: false,
  previousStats: null,    // {time, byEni}: the last sample, for per-second rates
  flowLogs: { lines: [], lastTimestamp: {}, idsAtLast: {} },
};

// ---------------------------------------------------------------- small helpers

function $(id) { return document.getElementById(id); }

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function clearChildren(node) { while (node.firstChild) node.removeChild(node.firstChild); }

function orDash(value) { return value === undefined || value === null || value === '' ? '-' : String(value); }

function tagValue(resource, key) {
  const tag = ((resource && resource.Tags) || []).find(t => t.Key === key);
  return tag ? tag.Value : '';
}

function nameOf(resource) { return tagValue(resource, 'Name') || '-'; }

function yesNo(value) { return value ? 'Yes' : 'No'; }

function formatCount(n) { return Number(n || 0).toLocaleString('en-US'); }

function clockTime(date) { return date.toTimeString().slice(0, 8); }

// `load` one call at a time; a call made meanwhile runs once more afterwards, since the lab may have
// changed after the running one asked.
function oneAtATime(load) {
  let running = false, again = false;
  return function run() {
    if (running) {
      again = true;
      return;
    }
    running = true;
    load().catch(e => console.error(e)).finally(() => {
      running = false;
      if (!again) return;
      again = false;
      run();
    });
  };
}

// "1–3, 5": the step numbers that touched one map node.
function compactNumbers(numbers) {
  const parts = [];
  for (let i = 0; i < numbers.length; i++) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j] + 1) j++;
    parts.push(j > i + 1 ? numbers[i] + '–' + numbers[j] : j === i + 1 ? numbers[i] + ', ' + numbers[j] : String(numbers[i]));
    i = j;
  }
  return parts.join(', ');
}

// ---------------------------------------------------------------- talking to the server

async function fetchFromServer(path, options, anyStatus) {
  const init = Object.assign({ cache: 'no-store' }, options);
  init.headers = Object.assign({ 'X-Vpclab-Token': TOKEN }, init.headers);
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw new Error('the console server does not answer');
  }
  if (!response.ok && !anyStatus) throw new Error(httpProblem(path, response.status));
  return response;
}

function httpProblem(path, status) {
  return status === 403 ? 'refused (403): the token is missing or wrong; open the address vpclab printed' : path + ': HTTP ' + status;
}

async function getJson(path) { return (await fetchFromServer(path)).json(); }

async function getText(path) { return (await fetchFromServer(path)).text(); }

// One read-only API call; resolves to its result, rejects with "Code: Message".
async function callApi(action, params) {
  const response = await fetchFromServer('/api/call', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ Action: action, Params: params || {} }),
  }, true);  // a refused call is an HTTP error with the same JSON answer
  let answer;
  try {
    answer = await response.json();
  } catch (e) {
    throw new Error(httpProblem('/api/call', response.status));
  }
  if (!answer.ok) {
    const error = answer.error || {};
    throw new Error((error.Code || 'Error') + ': ' + (error.Message || action + ' failed'));
  }
  return answer.result;
}

// ---------------------------------------------------------------- header, polling

function setLive(ok, detail) {
  $('live').classList.toggle('down', !ok);
  if (ok) {
    state.downSince = null;
    $('live-text').textContent = 'generation ' + state.generation + ' · ' + clockTime(new Date());
    $('live').title = 'the lab model\'s generation and the last time the server answered';
  } else {
    if (!state.downSince) state.downSince = new Date();
    $('live-text').textContent = 'server not answering since ' + clockTime(state.downSince);
    $('live').title = detail;
  }
}

async function pollGeneration() {
  if (state.polling) return;  // a slow answer: never stack requests
  state.polling = true;
  try {
    const answer = await getJson('/api/generation');
    const changed = state.generation !== null && answer.Generation !== state.generation;
    state.generation = answer.Generation;
    setLive(true);
    if (changed) onLabChanged();
    else {
      // Whatever failed to load at first gets another try while the server answers.
      if (!state.labLoaded) reloadLab();
      if (!state.mapLoaded) reloadMap();
    }
  } catch (e) {
    setLive(false, e.message);
  } finally {
    state.polling = false;
  }
}

function onLabChanged() {
  reloadLab();
  reloadMap();
  if (state.currentView !== 'map' && state.currentView !== 'traffic') loadView(state.currentView);
}

async function loadLab() {
  try {
    const lab = await getJson('/api/lab');
    $('lab-name').textContent = lab.StackName + ' · ' + lab.Region;
    document.title = 'vpclab console · ' + lab.StackName;
    fillSourceSelect(lab.Instances || []);
    if (state.generation === null) {
      state.generation = lab.Generation;
      setLive(true);
    }
    if (!state.labLoaded) {
      state.labLoaded = true;
      maybeRunHashTrace();
    }
  } catch (e) {
    $('lab-name').textContent = 'lab not loaded: ' + e.message;
  }
}

const reloadLab = oneAtATime(loadLab);

// ---------------------------------------------------------------- navigation

function showView(view) {
  state.currentView = view;
  document.querySelectorAll('.side-nav a').forEach(a => a.classList.toggle('active', a.dataset.view === view));
  document.querySelectorAll('main > .view').forEach(section => { section.hidden = section.id !== 'view-' + view; });
  stopTraffic();
  if (view === 'traffic') startTraffic();
  else if (view === 'map' && !state.mapFitted) fitMap();
  else if (view !== 'map') loadView(view);
}

function viewParts(view) {
  const section = $('view-' + view);
  return { status: section.querySelector('.status'), table: section.querySelector('.table-box'), details: section.querySelector('.details') };
}

function setStatus(view, message, isError) {
  const status = viewParts(view).status;
  status.textContent = message || '';
  status.classList.toggle('error', !!isError);
}

const VIEW_LOADERS = {
  'instances': loadInstances,
  'subnets': loadSubnets,
  'route-tables': loadRouteTables,
  'security-groups': loadSecurityGroups,
  'network-acls': loadNetworkAcls,
  'endpoints': loadEndpoints,
  'load-balancers': loadLoadBalancers,
};

async function loadView(view) {
  if (!state.cache[view]) setStatus(view, 'Loading…');
  try {
    await VIEW_LOADERS[view]();
    setStatus(view, '');
  } catch (e) {
    setStatus(view, e.message, true);
  }
}

// ---------------------------------------------------------------- tables

function column(title, value, mono) { return { title, value, mono: !!mono }; }

// A table of `rows`; with options.onSelect its rows can be clicked (options.key names a row).
function buildTable(columns, rows, options) {
  options = options || {};
  const table = el('table', 'data-table');
  const head = table.createTHead().insertRow();
  columns.forEach(c => head.appendChild(el('th', null, c.title)));
  const body = table.createTBody();
  if (!rows.length) {
    const cell = body.insertRow().insertCell();
    cell.colSpan = columns.length;
    cell.className = 'empty';
    cell.textContent = options.empty || 'None';
  }
  for (const row of rows) {
    const tr = body.insertRow();
    for (const c of columns) {
      const td = tr.insertCell();
      const value = c.value(row);
      if (value instanceof Node) td.appendChild(value);
      else td.textContent = orDash(value);
      if (c.mono) td.className = 'mono';
    }
    if (options.onSelect) {
      const key = options.key(row);
      tr.className = 'selectable' + (key === options.selectedKey ? ' selected' : '');
      tr.addEventListener('click', () => options.onSelect(key));
    }
  }
  return table;
}

// buildTable's options for a view whose rows can be selected; selecting re-renders from the cache.
function selectable(view, key, render) {
  return { key, selectedKey: state.selected[view], onSelect: k => { state.selected[view] = k; render(); } };
}

function replaceContent(container, nodes) {
  clearChildren(container);
  nodes.forEach(n => container.appendChild(n));
}

function titled(title, content) {
  const box = el('div', 'detail-section');
  box.appendChild(el('h2', null, title));
  box.appendChild(content);
  return box;
}

function hint(text) { return el('p', 'hint', text); }

function stateLabel(value) { return el('span', 'state state-' + String(value || 'unknown').toLowerCase(), orDash(value)); }

// "rtb-0abc… | jh-test-Public-RT": an id, and its Name tag when it has one.
function idAndName(id, resource) {
  const name = tagValue(resource, 'Name');
  return id ? id + (name ? ' | ' + name : '') : '-';
}

// ---------------------------------------------------------------- rule formatting (security groups, ACLs)

function protocolKey(protocol) {
  const p = String(protocol).toLowerCase();
  return { '-1': 'all', 'all': 'all', '6': 'tcp', 'tcp': 'tcp', '17': 'udp', 'udp': 'udp', '1': 'icmp', 'icmp': 'icmp' }[p] || p;
}

function protocolLabel(protocol) {
  const key = protocolKey(protocol);
  return { all: 'All', tcp: 'TCP', udp: 'UDP', icmp: 'ICMP' }[key] || key;
}

const WELL_KNOWN_TCP = { 22: 'SSH', 80: 'HTTP', 443: 'HTTPS' };

// The console's Type column: what the rule's protocol and ports are usually called.
function ruleType(protocol, from, to) {
  const key = protocolKey(protocol);
  if (key === 'all') return 'All traffic';
  if (key === 'icmp') return from === undefined || from === -1 ? 'All ICMP - IPv4' : 'Custom ICMP - IPv4';
  if (key === 'tcp' && from === to && WELL_KNOWN_TCP[from]) return WELL_KNOWN_TCP[from];
  if (key === 'tcp') return 'Custom TCP';
  if (key === 'udp') return 'Custom UDP';
  return 'Custom protocol';
}

function portRange(protocol, from, to) {
  const key = protocolKey(protocol);
  if (key === 'all' || from === undefined || from === null || from === -1) return 'All';
  if (key === 'icmp') return 'type ' + from;
  return from === to ? String(from) : from + ' - ' + to;
}

// ---------------------------------------------------------------- EC2 views

async function loadInstances() {
  const result = await callApi('DescribeInstances');
  const instances = [];
  (result.Reservations || []).forEach(r => (r.Instances || []).forEach(i => instances.push(i)));
  const privateAddresses = i => {
    const addresses = [];
    (i.NetworkInterfaces || []).forEach(e => (e.PrivateIpAddresses || []).forEach(a => addresses.push(a.PrivateIpAddress)));
    return addresses.length ? addresses.join(', ') : i.PrivateIpAddress;
  };
  const columns = [
    column('Name', nameOf),
    column('Instance ID', i => i.InstanceId, true),
    column('Instance state', i => stateLabel(i.State && i.State.Name)),
    column('Instance type', i => i.InstanceType),
    column('Availability Zone', i => i.Placement && i.Placement.AvailabilityZone),
    column('Public IPv4 address', i => i.PublicIpAddress, true),
    column('Private IPv4 addresses', privateAddresses, true),
    column('Security group name', i => (i.SecurityGroups || []).map(g => g.GroupName).join(', ')),
    column('Key name', i => i.KeyName),
    column('VPC ID', i => i.VpcId, true),
    column('Subnet ID', i => i.SubnetId, true),
  ];
  state.cache.instances = instances;
  replaceContent(viewParts('instances').table, [buildTable(columns, instances, { empty: 'No instances' })]);
}

// The route table a subnet uses: its explicit association, else its VPC's main table.
function routeTableOfSubnet(routeTables, subnet) {
  const explicit = routeTables.find(t => (t.Associations || []).some(a => a.SubnetId === subnet.SubnetId));
  return explicit || routeTables.find(t => t.VpcId === subnet.VpcId && (t.Associations || []).some(a => a.Main));
}

async function loadSubnets() {
  const answers = await Promise.all([callApi('DescribeSubnets'), callApi('DescribeRouteTables'), callApi('DescribeNetworkAcls')]);
  const subnets = answers[0].Subnets || [], routeTables = answers[1].RouteTables || [], acls = answers[2].NetworkAcls || [];
  const aclOfSubnet = {};
  acls.forEach(acl => (acl.Associations || []).forEach(a => { aclOfSubnet[a.SubnetId] = acl; }));
  const columns = [
    column('Name', nameOf),
    column('Subnet ID', s => s.SubnetId, true),
    column('State', s => stateLabel(s.State)),
    column('VPC', s => s.VpcId, true),
    column('IPv4 CIDR', s => s.CidrBlock, true),
    column('Available IPv4 addresses', s => s.AvailableIpAddressCount),
    column('Availability Zone', s => s.AvailabilityZone),
    column('Route table', s => { const t = routeTableOfSubnet(routeTables, s); return t && idAndName(t.RouteTableId, t); }, true),
    column('Network ACL', s => { const a = aclOfSubnet[s.SubnetId]; return a && idAndName(a.NetworkAclId, a); }, true),
    column('Auto-assign public IPv4 address', s => yesNo(s.MapPublicIpOnLaunch)),
  ];
  state.cache.subnets = subnets;
  replaceContent(viewParts('subnets').table, [buildTable(columns, subnets, { empty: 'No subnets' })]);
}

async function loadRouteTables() {
  const answers = await Promise.all([callApi('DescribeRouteTables'), callApi('DescribeSubnets')]);
  state.cache['route-tables'] = { tables: answers[0].RouteTables || [], subnets: answers[1].Subnets || [] };
  renderRouteTables();
}

function explicitSubnetIds(table) { return (table.Associations || []).filter(a => a.SubnetId).map(a => a.SubnetId); }

function isMainTable(table) { return (table.Associations || []).some(a => a.Main); }

function routeTarget(route) {
  return route.GatewayId || route.NatGatewayId || route.NetworkInterfaceId || route.VpcPeeringConnectionId || route.TransitGatewayId || route.InstanceId || '';
}

function routeDestination(route) { return route.DestinationCidrBlock || route.DestinationPrefixListId || ''; }

function renderRouteTables() {
  const data = state.cache['route-tables'], parts = viewParts('route-tables');
  const columns = [
    column('Name', nameOf),
    column('Route table ID', t => t.RouteTableId, true),
    column('Explicit subnet associations', t => explicitSubnetIds(t).join(', '), true),
    column('Main', t => yesNo(isMainTable(t))),
    column('VPC', t => t.VpcId, true),
  ];
  replaceContent(parts.table, [buildTable(columns, data.tables, selectable('route-tables', t => t.RouteTableId, renderRouteTables))]);

  const table = data.tables.find(t => t.RouteTableId === state.selected['route-tables']);
  if (!table) return replaceContent(parts.details, [hint('Select a route table to see its routes and subnet associations.')]);
  const routeColumns = [
    column('Destination', routeDestination, true),
    column('Target', routeTarget, true),
    column('Status', r => stateLabel(r.State === 'blackhole' ? 'Blackhole' : 'Active')),
    column('Propagated', r => yesNo(r.Origin === 'EnableVgwRoutePropagation')),
  ];
  const subnetColumns = [column('Name', nameOf), column('Subnet ID', s => s.SubnetId, true), column('IPv4 CIDR', s => s.CidrBlock, true)];
  const explicit = explicitSubnetIds(table);
  const sections = [
    titled('Routes of ' + idAndName(table.RouteTableId, table), buildTable(routeColumns, table.Routes || [])),
    titled('Explicit subnet associations', buildTable(subnetColumns, data.subnets.filter(s => explicit.indexOf(s.SubnetId) >= 0),
      { empty: 'No explicit associations' })),
  ];
  if (isMainTable(table)) {
    // The main table also serves every subnet of its VPC that no table names.
    const associated = [];
    data.tables.forEach(t => explicitSubnetIds(t).forEach(id => associated.push(id)));
    const implicit = data.subnets.filter(s => s.VpcId === table.VpcId && associated.indexOf(s.SubnetId) < 0);
    sections.push(titled('Subnets without explicit associations', buildTable(subnetColumns, implicit)));
  }
  replaceContent(parts.details, sections);
}

async function loadSecurityGroups() {
  // DescribeSecurityGroupRules: one row per rule and peer, each with its own description.
  const answers = await Promise.all([callApi('DescribeSecurityGroups'), callApi('DescribeSecurityGroupRules')]);
  state.cache['security-groups'] = { groups: answers[0].SecurityGroups || [], rules: answers[1].SecurityGroupRules || [] };
  renderSecurityGroups();
}

function renderSecurityGroups() {
  const data = state.cache['security-groups'], parts = viewParts('security-groups');
  const columns = [
    column('Name', nameOf),
    column('Security group ID', g => g.GroupId, true),
    column('Security group name', g => g.GroupName),
    column('VPC ID', g => g.VpcId, true),
    column('Description', g => g.Description),
  ];
  replaceContent(parts.table, [buildTable(columns, data.groups, selectable('security-groups', g => g.GroupId, renderSecurityGroups))]);

  const group = data.groups.find(g => g.GroupId === state.selected['security-groups']);
  if (!group) return replaceContent(parts.details, [hint('Select a security group to see its rules.')]);
  const peer = r => r.CidrIpv4 || r.PrefixListId || (r.ReferencedGroupInfo && r.ReferencedGroupInfo.GroupId);
  const ruleColumns = outbound => [
    column('IP version', r => (r.CidrIpv4 ? 'IPv4' : '-')),
    column('Type', r => ruleType(r.IpProtocol, r.FromPort, r.ToPort)),
    column('Protocol', r => protocolLabel(r.IpProtocol)),
    column('Port range', r => portRange(r.IpProtocol, r.FromPort, r.ToPort)),
    column(outbound ? 'Destination' : 'Source', peer, true),
    column('Description', r => r.Description),
  ];
  const rulesOf = egress => data.rules.filter(r => r.GroupId === group.GroupId && !!r.IsEgress === egress);
  replaceContent(parts.details, [
    titled('Inbound rules of ' + group.GroupId, buildTable(ruleColumns(false), rulesOf(false), { empty: 'No inbound rules' })),
    titled('Outbound rules of ' + group.GroupId, buildTable(ruleColumns(true), rulesOf(true), { empty: 'No outbound rules' })),
  ]);
}

async function loadNetworkAcls() {
  state.cache['network-acls'] = (await callApi('DescribeNetworkAcls')).NetworkAcls || [];
  renderNetworkAcls();
}

function renderNetworkAcls() {
  const acls = state.cache['network-acls'], parts = viewParts('network-acls');
  const columns = [
    column('Name', nameOf),
    column('Network ACL ID', a => a.NetworkAclId, true),
    column('Associated with', a => (a.Associations || []).map(x => x.SubnetId).join(', '), true),
    column('Default', a => yesNo(a.IsDefault)),
    column('VPC ID', a => a.VpcId, true),
  ];
  replaceContent(parts.table, [buildTable(columns, acls, selectable('network-acls', a => a.NetworkAclId, renderNetworkAcls))]);

  const acl = acls.find(a => a.NetworkAclId === state.selected['network-acls']);
  if (!acl) return replaceContent(parts.details, [hint('Select a network ACL to see its rules.')]);
  // An entry's ports: its PortRange, or for ICMP its type.
  const from = e => (e.PortRange ? e.PortRange.From : e.IcmpTypeCode ? e.IcmpTypeCode.Type : undefined);
  const to = e => (e.PortRange ? e.PortRange.To : from(e));
  const ruleColumns = outbound => [
    column('Rule number', e => (e.RuleNumber === 32767 ? '*' : e.RuleNumber)),
    column('Type', e => ruleType(e.Protocol, from(e), to(e))),
    column('Protocol', e => protocolLabel(e.Protocol)),
    column('Port range', e => portRange(e.Protocol, from(e), to(e))),
    column(outbound ? 'Destination' : 'Source', e => e.CidrBlock, true),
    column('Allow/Deny', e => el('span', 'rule-' + e.RuleAction, e.RuleAction === 'allow' ? 'Allow' : 'Deny')),
  ];
  const entriesOf = egress => (acl.Entries || []).filter(e => !!e.Egress === egress).sort((a, b) => a.RuleNumber - b.RuleNumber);
  replaceContent(parts.details, [
    titled('Inbound rules of ' + acl.NetworkAclId, buildTable(ruleColumns(false), entriesOf(false))),
    titled('Outbound rules of ' + acl.NetworkAclId, buildTable(ruleColumns(true), entriesOf(true))),
  ]);
}

async function loadEndpoints() {
  const answers = await Promise.all([callApi('DescribeVpcEndpoints'), callApi('DescribeInternetGateways'), callApi('DescribeNatGateways')]);
  const endpointColumns = [
    column('Name', nameOf),
    column('VPC endpoint ID', e => e.VpcEndpointId, true),
    column('VPC ID', e => e.VpcId, true),
    column('Service name', e => e.ServiceName),
    column('Endpoint type', e => e.VpcEndpointType),
    column('Status', e => stateLabel(e.State)),
    column('Creation time', e => e.CreationTimestamp),
  ];
  const attachedVpc = g => (g.Attachments || []).map(a => a.VpcId).join(', ');
  const gatewayColumns = [
    column('Name', nameOf),
    column('Internet gateway ID', g => g.InternetGatewayId, true),
    column('State', g => stateLabel(attachedVpc(g) ? 'Attached' : 'Detached')),
    column('VPC ID', attachedVpc, true),
  ];
  const primary = g => (g.NatGatewayAddresses || [])[0] || {};
  const natColumns = [
    column('Name', nameOf),
    column('NAT gateway ID', g => g.NatGatewayId, true),
    column('Connectivity type', g => g.ConnectivityType),
    column('State', g => stateLabel(g.State)),
    column('Primary public IPv4 address', g => primary(g).PublicIp, true),
    column('Primary private IPv4 address', g => primary(g).PrivateIp, true),
    column('Subnet', g => g.SubnetId, true),
    column('VPC', g => g.VpcId, true),
  ];
  state.cache.endpoints = answers;
  replaceContent(viewParts('endpoints').table, [buildTable(endpointColumns, answers[0].VpcEndpoints || [], { empty: 'No endpoints' })]);
  replaceContent($('igw-table'), [buildTable(gatewayColumns, answers[1].InternetGateways || [], { empty: 'No internet gateways' })]);
  replaceContent($('nat-table'), [buildTable(natColumns, answers[2].NatGateways || [], { empty: 'No NAT gateways' })]);
}

// ---------------------------------------------------------------- load balancers

async function loadLoadBalancers() {
  state.cache['load-balancers'] = (await callApi('DescribeLoadBalancers')).LoadBalancers || [];
  renderLoadBalancers();
}

function renderLoadBalancers() {
  const balancers = state.cache['load-balancers'], parts = viewParts('load-balancers');
  const columns = [
    column('Name', b => b.LoadBalancerName),
    column('DNS name', b => b.DNSName, true),
    column('State', b => stateLabel(b.State && b.State.Code)),
    column('VPC ID', b => b.VpcId, true),
    column('Availability Zones', b => (b.AvailabilityZones || []).map(z => z.ZoneName).join(', ')),
    column('Type', b => b.Type),
    column('Scheme', b => b.Scheme),
  ];
  replaceContent(parts.table, [buildTable(columns, balancers, Object.assign(
    selectable('load-balancers', b => b.LoadBalancerArn, renderLoadBalancers), { empty: 'No load balancers' }))]);
  const balancer = balancers.find(b => b.LoadBalancerArn === state.selected['load-balancers']);
  if (!balancer) return replaceContent(parts.details, [hint('Select a load balancer to see its target groups and target health.')]);
  showTargetGroups(parts.details, balancer);
}

async function showTargetGroups(details, balancer) {
  if (!details.firstChild || details.dataset.arn !== balancer.LoadBalancerArn) replaceContent(details, [hint('Loading target groups…')]);
  details.dataset.arn = balancer.LoadBalancerArn;
  try {
    const groups = (await callApi('DescribeTargetGroups', { LoadBalancerArn: balancer.LoadBalancerArn })).TargetGroups || [];
    const healths = await Promise.all(groups.map(g => callApi('DescribeTargetHealth', { TargetGroupArn: g.TargetGroupArn })));
    if (state.selected['load-balancers'] !== balancer.LoadBalancerArn) return;  // another row was selected meanwhile
    const columns = [
      column('Target', d => d.Target.Id, true),
      column('Port', d => d.Target.Port),
      column('Zone', d => d.Target.AvailabilityZone),
      column('Health status', d => stateLabel(d.TargetHealth && d.TargetHealth.State)),
      column('Health status details', d => d.TargetHealth && (d.TargetHealth.Description || d.TargetHealth.Reason)),
    ];
    const sections = groups.map((g, i) => titled('Target group ' + g.TargetGroupName + ' (' + g.Protocol + ' ' + g.Port + ')',
      buildTable(columns, healths[i].TargetHealthDescriptions || [], { empty: 'No registered targets' })));
    replaceContent(details, sections.length ? sections : [hint(balancer.LoadBalancerName + ' has no target groups.')]);
  } catch (e) {
    replaceContent(details, [el('p', 'status error', 'Target groups: ' + e.message)]);
  }
}

// ---------------------------------------------------------------- traffic and flow logs

function startTraffic() {
  state.previousStats = null;  // a rate over the time the view was hidden would mislead
  refreshTraffic();
  state.trafficTimer = setInterval(refreshTraffic, POLL_MS);
}

function stopTraffic() {
  if (state.trafficTimer) clearInterval(state.trafficTimer);
  state.trafficTimer = null;
}

async function refreshTraffic() {
  if (state.trafficBusy) return;
  state.trafficBusy = true;
  try {
    await Promise.all([refreshStats(), refreshFlowLogs()]);
  } finally {
    state.trafficBusy = false;
  }
}

function formatRate(perSecond) { return (perSecond < 10 ? perSecond.toFixed(1) : formatCount(Math.round(perSecond))) + '/s'; }

async function refreshStats() {
  let stats;
  try {
    stats = await callApi('Vpclab.Stats');
    setStatus('traffic', '');
  } catch (e) {
    return setStatus('traffic', e.message, true);
  }
  const now = performance.now(), previous = state.previousStats;
  const descriptions = stats.DropReasons || {};
  const counter = member => iface => {
    const cell = el('span', null, formatCount(iface[member]));
    const before = previous && previous.byEni[iface.NetworkInterfaceId];
    const seconds = previous ? (now - previous.time) / 1000 : 0;
    if (before && seconds > 0) cell.appendChild(el('span', 'rate', ' ' + formatRate(Math.max(0, (iface[member] - before[member]) / seconds))));
    return cell;
  };
  const dropList = iface => {
    const reasons = Object.keys(iface.Drops || {});
    if (!reasons.length) return '-';
    const list = el('ul', 'drops');
    reasons.forEach(reason => {
      const item = el('li', null, reason + ': ' + formatCount(iface.Drops[reason]));
      item.title = descriptions[reason] || '';
      list.appendChild(item);
    });
    return list;
  };
  const interfaces = stats.Interfaces || [];
  const columns = [
    column('Network interface', i => i.NetworkInterfaceId, true),
    column('Name', i => i.InstanceName),
    column('Private IP', i => i.PrivateIpAddress, true),
    column('Rx frames', counter('RxFrames')),
    column('Rx bytes', counter('RxBytes')),
    column('Tx frames', counter('TxFrames')),
    column('Tx bytes', counter('TxBytes')),
    column('Drops', dropList),
  ];
  replaceContent(viewParts('traffic').table, [buildTable(columns, interfaces)]);

  const totals = stats.DropsByReason || {};
  const reasonColumns = [column('Reason', r => r, true), column('Frames', r => formatCount(totals[r])), column('What it means', r => descriptions[r])];
  replaceContent($('drops-table'), [buildTable(reasonColumns, Object.keys(totals), { empty: 'No drops' })]);

  const byEni = {};
  interfaces.forEach(i => { byEni[i.NetworkInterfaceId] = i; });
  state.previousStats = { time: now, byEni };
}

// A log group's events since the last poll. startTime includes its own millisecond, so the events seen at
// the last timestamp are remembered and skipped instead of risking the loss of one logged in that same ms.
// A page holds at most 10000 events: a longer backlog comes in over the next polls.
async function newFlowLogEvents(groupName) {
  const logs = state.flowLogs;
  const since = logs.lastTimestamp[groupName] || Date.now() - 60 * 60 * 1000;  // first look: the last hour
  const seenAtSince = logs.idsAtLast[groupName] || [];
  const answer = await callApi('FilterLogEvents', { logGroupName: groupName, startTime: String(since), limit: '10000' });
  const events = (answer.events || []).filter(e => seenAtSince.indexOf(e.eventId) < 0);
  if (events.length) {
    const last = events[events.length - 1].timestamp;
    logs.lastTimestamp[groupName] = last;
    logs.idsAtLast[groupName] = events.filter(e => e.timestamp === last).map(e => e.eventId).concat(last === since ? seenAtSince : []);
  }
  return events;
}

async function refreshFlowLogs() {
  const box = $('flow-logs'), logs = state.flowLogs;
  try {
    const groups = (await callApi('DescribeLogGroups')).logGroups || [];
    if (!groups.length) {
      box.textContent = 'no flow logs in this lab';
      return;
    }
    const fresh = [];
    for (const group of groups) {
      const events = await newFlowLogEvents(group.logGroupName);
      events.forEach(e => fresh.push({ time: e.timestamp, text: clockTime(new Date(e.timestamp)) + ' ' + e.logStreamName + ' ' + e.message }));
    }
    fresh.sort((a, b) => a.time - b.time);
    logs.lines = logs.lines.concat(fresh.map(f => f.text)).slice(-FLOW_LOG_LINES);
    const text = logs.lines.length ? logs.lines.join('\n') : 'no flow log records yet';
    if (box.textContent === text) return;
    // Follow the tail unless the reader scrolled up to read.
    const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 4;
    box.textContent = text;
    if (atBottom) box.scrollTop = box.scrollHeight;
  } catch (e) {
    box.textContent = 'flow logs: ' + e.message;
  }
}

// ---------------------------------------------------------------- the map

function mapSvg() { return $('map-container').querySelector('svg'); }

function setMapStatus(message, isError) {
  $('map-status').textContent = message || '';
  $('map-status').classList.toggle('error', !!isError);
}

function nodeIds(node) { return (node.getAttribute('data-ids') || '').split(/\s+/).filter(Boolean); }

function nodeKind(node) {
  const match = /\bkind-(\S+)/.exec(node.getAttribute('class') || '');
  return match ? match[1] : '';
}

async function loadMap() {
  let svgText;
  try {
    svgText = await getText('/api/map.svg');
  } catch (e) {
    return setMapStatus('map: ' + e.message, true);
  }
  const scroller = $('map-scroll');
  const scrolled = { left: scroller.scrollLeft, top: scroller.scrollTop };
  $('map-container').innerHTML = svgText;  // server-generated, every label escaped; inline so our CSS reaches it
  const svg = mapSvg();
  if (!svg) return setMapStatus('the server sent no map', true);
  setMapStatus('');
  ensureViewBox(svg);
  if (state.mapFitted) {
    applyZoom();
    scroller.scrollLeft = scrolled.left;
    scroller.scrollTop = scrolled.top;
  } else {
    fitMap();
  }
  reselectMapNode();
  if (state.lastTrace) {
    drawTraceOnMap(state.lastTrace);
    $('trace-stale').hidden = state.traceGeneration === state.generation;
  }
  if (!state.mapLoaded) {
    state.mapLoaded = true;
    document.body.dataset.map = 'loaded';
    maybeRunHashTrace();
  }
}

const reloadMap = oneAtATime(loadMap);

// Zooming scales the SVG's width and height; its viewBox keeps the drawing's own coordinates.
function ensureViewBox(svg) {
  if (svg.getAttribute('viewBox')) return;
  const width = parseFloat(svg.getAttribute('width')), height = parseFloat(svg.getAttribute('height'));
  if (width && height) {
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
  } else {
    const box = svg.getBBox();  // neither: measure the drawing (the map view is shown when it first loads)
    svg.setAttribute('viewBox', [box.x, box.y, box.width, box.height].join(' '));
  }
}

function naturalMapSize() {
  const svg = mapSvg();
  const box = svg ? (svg.getAttribute('viewBox') || '').split(/[\s,]+/).map(Number) : [];
  return box[2] > 0 && box[3] > 0 ? { width: box[2], height: box[3] } : null;
}

function applyZoom() {
  const size = naturalMapSize();
  if (!size) return;
  mapSvg().setAttribute('width', Math.round(size.width * state.mapScale));
  mapSvg().setAttribute('height', Math.round(size.height * state.mapScale));
}

function fitMap() {
  const size = naturalMapSize(), scroller = $('map-scroll');
  if (!size) return;
  if (!scroller.clientWidth) {  // hidden: fit when the map is shown
    applyZoom();
    return;
  }
  state.mapScale = Math.min(1.5, (scroller.clientWidth - 8) / size.width, (scroller.clientHeight - 8) / size.height);
  state.mapFitted = true;
  applyZoom();
}

// Zoom about the middle of what is on screen.
function zoomBy(factor) {
  const scroller = $('map-scroll');
  const middleX = (scroller.scrollLeft + scroller.clientWidth / 2) / state.mapScale;
  const middleY = (scroller.scrollTop + scroller.clientHeight / 2) / state.mapScale;
  state.mapScale = Math.max(0.1, Math.min(8, state.mapScale * factor));
  applyZoom();
  scroller.scrollLeft = middleX * state.mapScale - scroller.clientWidth / 2;
  scroller.scrollTop = middleY * state.mapScale - scroller.clientHeight / 2;
}

function onMapClick(event) {
  const node = event.target.closest ? event.target.closest('g.node') : null;
  if (node) selectMapNode(node);
}

function selectMapNode(node) {
  document.querySelectorAll('#map-container g.node.selected').forEach(n => n.classList.remove('selected'));
  node.classList.add('selected');
  const ids = nodeIds(node);
  state.selectedNodeId = ids[0] || null;
  const title = node.querySelector(':scope > title');
  $('node-title').textContent = title ? title.textContent : nodeKind(node);
  const idBox = $('node-ids');
  replaceContent(idBox, ids.map(id => el('code', 'mono', id)));
  const instanceId = nodeKind(node) === 'instance' ? ids.find(id => id.indexOf('i-') === 0) : null;
  $('trace-from-node').hidden = !instanceId;
  $('trace-from-node').dataset.instanceId = instanceId || '';
  $('node-details').hidden = false;
}

// A new map (the lab changed): select the same resource again if it is still drawn.
function reselectMapNode() {
  if (!state.selectedNodeId) return;
  const node = Array.from(document.querySelectorAll('#map-container g.node')).find(n => nodeIds(n)[0] === state.selectedNodeId);
  if (node) selectMapNode(node);
  else $('node-details').hidden = true;
}

// ---------------------------------------------------------------- the trace form

function fillSourceSelect(instances) {
  const select = $('trace-source'), previous = select.value;
  clearChildren(select);
  const count = {};
  instances.forEach(i => { count[i.Name] = (count[i.Name] || 0) + 1; });
  for (const instance of instances) {
    // By Name, which the server accepts; by ID where two instances share a Name.
    const unique = instance.Name && count[instance.Name] === 1;
    const label = (instance.Name || instance.InstanceId) + (unique ? '' : ' (' + instance.InstanceId + ')') +
                  (instance.State && instance.State !== 'running' ? ' — ' + instance.State : '');
    const option = el('option', null, label);
    option.value = unique ? instance.Name : instance.InstanceId;
    option.dataset.instanceId = instance.InstanceId;
    select.appendChild(option);
  }
  const region = el('option', null, 'region (the internet)');
  region.value = 'region';
  select.appendChild(region);
  if (previous) selectTraceSource(previous);
}

// Select a source by Name, instance ID or option value; anything else (an ENI ID) is offered as given.
function selectTraceSource(value) {
  const select = $('trace-source');
  const option = Array.from(select.options).find(o => o.value === value || o.dataset.instanceId === value);
  if (option) {
    select.value = option.value;
    return;
  }
  const extra = el('option', null, value);
  extra.value = value;
  select.appendChild(extra);
  select.value = value;
}

function showPortForProtocol() { $('trace-port-label').hidden = $('trace-protocol').value === 'icmp'; }

function fillTraceForm(request) {
  selectTraceSource(request.source);
  $('trace-destination').value = request.destination;
  $('trace-protocol').value = request.protocol;
  if (request.port) $('trace-port').value = request.port;
  showPortForProtocol();
}

function traceRequestFromForm() {
  const protocol = $('trace-protocol').value;
  return { source: $('trace-source').value, destination: $('trace-destination').value.trim(), protocol, port: protocol === 'icmp' ? '' : $('trace-port').value };
}

function hashForTrace(request) {
  const params = new URLSearchParams({ 'trace-source': request.source, 'trace-destination': request.destination, 'trace-protocol': request.protocol });
  if (request.port) params.set('trace-port', request.port);
  return '#' + params.toString();
}

function traceRequestFromHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  const source = params.get('trace-source'), destination = params.get('trace-destination');
  if (!source || !destination) return null;
  const protocol = (params.get('trace-protocol') || 'icmp').toLowerCase();
  return { source, destination, protocol, port: protocol === 'icmp' ? '' : params.get('trace-port') || '' };
}

function maybeRunHashTrace() {
  if (state.hashTraceDone || !state.mapLoaded || !state.labLoaded) return;
  state.hashTraceDone = true;
  const request = traceRequestFromHash();
  if (!request) return;
  fillTraceForm(request);
  runTrace(request);
}

async function runTrace(request) {
  const ticket = ++state.traceTicket;  // only the latest of overlapping traces gets drawn
  delete document.body.dataset.trace;
  clearTraceMarks();
  clearChildren($('trace-steps'));
  $('trace-stale').hidden = true;
  $('trace-result').hidden = false;
  showSummary('Tracing…', '');
  history.replaceState(null, '', location.pathname + location.search + hashForTrace(request));
  const params = { Source: request.source, Destination: request.destination, Protocol: request.protocol };
  // The server reads Port as a JSON number, and refuses one for icmp.
  if (request.protocol !== 'icmp' && request.port !== '') params.Port = Number(request.port);
  try {
    const result = await callApi('Vpclab.Trace', params);
    if (ticket !== state.traceTicket) return;
    state.lastTrace = result;
    state.traceGeneration = state.generation;
    drawTraceOnMap(result);
    showTraceSteps(result);
    document.body.dataset.trace = 'drawn';
  } catch (e) {
    if (ticket !== state.traceTicket) return;
    state.lastTrace = null;
    showSummary(e.message, 'error');
    document.body.dataset.trace = 'error';
  }
}

function clearTrace() {
  state.traceTicket++;
  state.lastTrace = null;
  clearTraceMarks();
  clearChildren($('trace-steps'));
  showSummary('', '');
  $('trace-stale').hidden = true;
  $('trace-result').hidden = true;
  history.replaceState(null, '', location.pathname + location.search);
}

function showSummary(text, kind) {
  const summary = $('trace-summary');
  summary.textContent = text;
  summary.className = 'trace-summary' + (kind ? ' ' + kind : '');
}

// ---------------------------------------------------------------- the trace drawn on the map

// Every step of the trace in order, Forward then Return, numbered as the list and the badges show them.
function numberedSteps(result) {
  const steps = [];
  [result.Forward, result.Return].forEach(leg => {
    ((leg && leg.Steps) || []).forEach(step => steps.push({ number: steps.length + 1, step }));
  });
  return steps;
}

function idsInText(text) { return String(text || '').match(ID_PATTERN) || []; }

// The ids one step names, as the map's data-ids spell them.
function idsNamedByStep(step) {
  const ids = [];
  const add = id => { if (id && id !== 'local' && ids.indexOf(id) < 0) ids.push(id); };
  add(step.RouteTableId);
  if (step.Route) {
    add(routeTarget(step.Route));
    if (step.RouteTableId) add(step.RouteTableId + '|' + routeDestination(step.Route));
  }
  add(step.NetworkAclId);
  add(step.SecurityGroupId);
  add(step.ComponentId);
  add(step.TransitGatewayId);
  add(step.TransitGatewayAttachmentId);
  if (step.Port === 'the region') add('region');
  idsInText(step.Port).forEach(add);
  idsInText(step.Detail).forEach(add);
  return ids;
}

// id -> the map nodes whose data-ids hold it, ancestors first (document order).
function mapNodeIndex() {
  const index = new Map();
  document.querySelectorAll('#map-container g.node').forEach(node => nodeIds(node).forEach(id => {
    if (!index.has(id)) index.set(id, []);
    index.get(id).push(node);
  }));
  return index;
}

function nodesOf(ids, index) {
  const nodes = [];
  ids.forEach(id => (index.get(id) || []).forEach(n => nodes.push(n)));
  return nodes;
}

// The subnets a network ACL step means. A VPC's default ACL serves many subnets: keep the one holding the
// step's ENI when the map shows it, so the path does not light up every subnet.
function aclNodes(step, index) {
  const nodes = index.get(step.NetworkAclId) || [];
  const portNodes = nodesOf(idsInText(step.Port), index);
  const holding = nodes.filter(n => portNodes.some(p => n !== p && n.contains(p)));
  return holding.length ? holding : nodes;
}

function nodesForStep(step, index) {
  const found = [];
  idsNamedByStep(step).forEach(id => {
    const nodes = id === step.NetworkAclId ? aclNodes(step, index) : index.get(id) || [];
    nodes.forEach(n => { if (found.indexOf(n) < 0) found.push(n); });
  });
  return found;
}

// Where a dropped packet stopped, as precisely as the map can show it: the route row, the route table,
// the ENI's node, the ACL's subnet; the region for a drop beyond the internet gateway.
function stopNodeForStep(step, index) {
  const deepest = nodes => (nodes && nodes.length ? nodes[nodes.length - 1] : null);
  const candidates = [];
  if (step.Route && step.RouteTableId) candidates.push(index.get(step.RouteTableId + '|' + routeDestination(step.Route)));
  if (step.RouteTableId) candidates.push(index.get(step.RouteTableId));
  candidates.push(nodesOf(idsInText(step.Port).filter(id => id.indexOf('eni-') === 0), index));
  if (step.NetworkAclId) candidates.push(aclNodes(step, index));
  if (step.Port === 'the region') candidates.push(index.get('region'));
  for (const nodes of candidates) {
    const node = deepest(nodes);
    if (node) return node;
  }
  return null;
}

function clearTraceMarks() {
  const container = $('map-container');
  container.querySelectorAll('.on-path, .stop').forEach(n => n.classList.remove('on-path', 'stop'));
  container.querySelectorAll('.step-badge').forEach(b => b.parentNode.removeChild(b));
  const svg = mapSvg();
  if (svg) svg.classList.remove('tracing');
}

function drawTraceOnMap(result) {
  clearTraceMarks();
  const svg = mapSvg();
  if (!svg) return;
  const index = mapNodeIndex();
  const stepsOfNode = new Map();  // node -> the numbers of the steps that touched it
  numberedSteps(result).forEach(({ number, step }) => {
    nodesForStep(step, index).forEach(node => {
      if (!stepsOfNode.has(node)) stepsOfNode.set(node, []);
      stepsOfNode.get(node).push(number);
    });
    if (step.Verdict === 'drop') {
      const stop = stopNodeForStep(step, index);
      if (stop) stop.classList.add('stop');
    }
  });
  const onPathIds = new Set();
  stepsOfNode.forEach((numbers, node) => {
    node.classList.add('on-path');
    nodeIds(node).forEach(id => onPathIds.add(id));
    addStepBadge(node, numbers);
  });
  svg.querySelectorAll('path.edge').forEach(edge => {
    if (onPathIds.has(edge.getAttribute('data-from')) && onPathIds.has(edge.getAttribute('data-to'))) edge.classList.add('on-path');
  });
  svg.classList.add('tracing');
}

// The step numbers at the top right of the node's own rectangle.
function addStepBadge(node, numbers) {
  const rect = node.querySelector(':scope > rect');
  if (!rect) return;
  const x = parseFloat(rect.getAttribute('x')) || 0, y = parseFloat(rect.getAttribute('y')) || 0;
  const width = parseFloat(rect.getAttribute('width')) || 0;
  const badge = document.createElementNS(SVG_NS, 'text');
  badge.setAttribute('class', 'step-badge');
  badge.setAttribute('x', x + width - 4);
  badge.setAttribute('y', y + 12);
  badge.setAttribute('text-anchor', 'end');
  badge.textContent = compactNumbers(numbers);
  node.appendChild(badge);
}

function showTraceSteps(result) {
  showSummary(result.Summary || '', result.Delivered ? 'delivered' : 'not-delivered');
  const box = $('trace-steps');
  clearChildren(box);
  box.appendChild(el('p', 'trace-ends mono', (result.Source || '') + ' → ' + (result.Destination || '')));
  let number = 1;
  [['Forward', result.Forward], ['Return', result.Return]].forEach(([legName, leg]) => {
    if (!leg) return;
    box.appendChild(el('h3', null, legName + ': ' + (leg.Packet || '')));
    const list = el('ol', 'steps');
    list.start = number;
    (leg.Steps || []).forEach(step => {
      list.appendChild(stepItem(step));
      number++;
    });
    box.appendChild(list);
    const ending = leg.Result + (leg.DeliveredTo ? ' to ' + leg.DeliveredTo : '') + (leg.DropReason ? ' (' + leg.DropReason + ')' : '');
    box.appendChild(el('p', 'leg-result result-' + String(leg.Result || '').split(' ')[0], ending));
  });
}

function stepItem(step) {
  const item = el('li', 'step verdict-' + step.Verdict);
  const head = el('div', 'step-head');
  head.appendChild(el('span', 'stage', step.Stage));
  head.appendChild(el('span', 'verdict', step.Verdict));
  head.appendChild(el('span', 'port mono', step.Port));
  item.appendChild(head);
  if (step.Detail) item.appendChild(el('div', 'detail', step.Detail));
  if (step.Verdict === 'drop') {
    const fix = el('div', 'fix');
    fix.appendChild(el('strong', null, 'Fix: '));
    fix.appendChild(document.createTextNode(step.Fix || 'none known'));
    item.appendChild(fix);
  }
  return item;
}

// ---------------------------------------------------------------- start

function wireEvents() {
  document.querySelectorAll('.side-nav a').forEach(a => a.addEventListener('click', event => {
    event.preventDefault();
    showView(a.dataset.view);
  }));
  $('zoom-in').addEventListener('click', () => zoomBy(1.25));
  $('zoom-out').addEventListener('click', () => zoomBy(0.8));
  $('zoom-fit').addEventListener('click', fitMap);
  $('map-container').addEventListener('click', onMapClick);
  $('trace-protocol').addEventListener('change', showPortForProtocol);
  $('trace-form').addEventListener('submit', event => {
    event.preventDefault();
    runTrace(traceRequestFromForm());
  });
  $('trace-clear').addEventListener('click', clearTrace);
  $('trace-from-node').addEventListener('click', () => {
    selectTraceSource($('trace-from-node').dataset.instanceId);
    $('trace-destination').focus();
  });
}

function start() {
  wireEvents();
  showPortForProtocol();
  if (!TOKEN) {
    setMapStatus('This address has no ?token=…: open the one vpclab printed.', true);
    setLive(false, 'no token');
    return;
  }
  // The lab's answer sets the first generation; polling starts one period later.
  reloadLab();
  reloadMap();
  setInterval(pollGeneration, POLL_MS);
}

start();
