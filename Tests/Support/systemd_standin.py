'''A stand-in for systemd's D-Bus API, enough for trustmend: python3-dbusmock template.

The stock systemd template has no RestartUnit, LoadUnit or Service properties. This one implements
Subscribe, Unsubscribe, LoadUnit, GetUnit and RestartUnit on org.freedesktop.systemd1.Manager, and emits
JobRemoved(u, o, s, s) after a restart like systemd does. Units come from the template parameters:

  {"units": {"containerd.service": {"active": "active", "pid": 100, "env": ["HTTPS_PROXY=..."],
             "result": "done", "stops_with": [], "started": 1700000000000000}}}

"start_limit": [burst, interval_usec] serves StartLimitBurst (u) and StartLimitIntervalUSec (t) on the Unit
interface, as systemd >= 230 does; "old_start_limit": [burst, interval_usec] serves StartLimitBurst (u) and
StartLimitInterval (t) on the Service interface instead, as systemd 219 (CentOS 7) does. Neither: the unit
has no such properties. The limit is reported, not enforced (RestartUnit counts nothing).
"result" is the JobRemoved result ("done", "failed", ...) or "never" (no JobRemoved at all, to exercise
timeouts). "started" is ExecMainStartTimestamp (µs since the epoch; by default the time a running unit
is added, 0 for one that is not running). A restart that ends "done" gives the unit a new MainPID
and ExecMainStartTimestamp (now), as a real restart does.
Mock methods (org.freedesktop.DBus.Mock): AddUnit(name, active, pid, env, result, stops_with),
SetRestartResult(name, result), RestartElsewhere(name) (a new main process, not through RestartUnit).
dbusmock records every call (GetCalls).
'''

import time

import dbus
from gi.repository import GLib

from dbusmock import MOCK_IFACE, mockobject

BUS_NAME = 'org.freedesktop.systemd1'
MAIN_OBJ = '/org/freedesktop/systemd1'
MAIN_IFACE = 'org.freedesktop.systemd1.Manager'
UNIT_IFACE = 'org.freedesktop.systemd1.Unit'
SERVICE_IFACE = 'org.freedesktop.systemd1.Service'
SYSTEM_BUS = False


def unit_path(name):
    # systemd's bus path escaping: every byte outside [A-Za-z0-9] becomes _XX.
    escaped = ''.join(c if c.isalnum() and c.isascii() else '_%02x' % ord(c) for c in name)
    return MAIN_OBJ + '/unit/' + escaped


def now_usec():
    return int(time.time() * 1e6)


def add_unit(mock, name, active='active', pid=100, env=(), result='done', stops_with=(), load='loaded', started=None,
             start_limit=None, old_start_limit=None):
    path = unit_path(name)
    if started is None:
        started = now_usec() if pid and active == 'active' else 0
    if path in mockobject.objects:
        mockobject.objects[path].UpdateProperties(UNIT_IFACE, {'ActiveState': active, 'LoadState': load})
    else:
        mock.AddObject(path, UNIT_IFACE, {
            'Id': dbus.String(name),
            'LoadState': dbus.String(load),
            'ActiveState': dbus.String(active),
            'SubState': dbus.String('running' if active == 'active' else 'dead'),
            'Requires': dbus.Array(list(stops_with), signature='s'),
            'BindsTo': dbus.Array([], signature='s'),
        }, [])
        mockobject.objects[path].AddProperties(SERVICE_IFACE, {
            'MainPID': dbus.UInt32(pid),
            'ExecMainStartTimestamp': dbus.UInt64(started),
            'Environment': dbus.Array(list(env), signature='s'),
        })
        # systemd's types (src/core/dbus-unit.c, dbus-service.c): StartLimitBurst "u", the interval "t" (µs).
        if start_limit is not None:
            mockobject.objects[path].AddProperties(UNIT_IFACE, {
                'StartLimitBurst': dbus.UInt32(start_limit[0]), 'StartLimitIntervalUSec': dbus.UInt64(start_limit[1])})
        if old_start_limit is not None:
            mockobject.objects[path].AddProperties(SERVICE_IFACE, {
                'StartLimitBurst': dbus.UInt32(old_start_limit[0]), 'StartLimitInterval': dbus.UInt64(old_start_limit[1])})
    mock.units[name] = {'result': result, 'load': load}
    return path


def load(mock, parameters):
    mock.units = {}
    mock.next_job = 1
    mock.AddProperties(MAIN_IFACE, {'Version': 'v252-standin'})
    for name, spec in parameters.get('units', {}).items():
        add_unit(mock, name, spec.get('active', 'active'), spec.get('pid', 100), spec.get('env', []),
                 spec.get('result', 'done'), spec.get('stops_with', []), started=spec.get('started'),
                 start_limit=spec.get('start_limit'), old_start_limit=spec.get('old_start_limit'))


def no_such_unit(name):
    return dbus.exceptions.DBusException(f'Unit {name} not loaded.', name='org.freedesktop.systemd1.NoSuchUnit')


@dbus.service.method(MAIN_IFACE, in_signature='', out_signature='')
def Subscribe(self):
    pass


@dbus.service.method(MAIN_IFACE, in_signature='', out_signature='')
def Unsubscribe(self):
    pass


@dbus.service.method(MAIN_IFACE, in_signature='s', out_signature='o')
def GetUnit(self, name):
    if str(name) not in self.units or self.units[str(name)]['load'] != 'loaded':
        raise no_such_unit(name)
    return unit_path(str(name))


@dbus.service.method(MAIN_IFACE, in_signature='s', out_signature='o')
def LoadUnit(self, name):
    if str(name) not in self.units:
        # Like systemd: an object for a unit that does not exist, with LoadState "not-found".
        return add_unit(self, str(name), active='inactive', pid=0, load='not-found')
    return unit_path(str(name))


@dbus.service.method(MAIN_IFACE, in_signature='ss', out_signature='o')
def RestartUnit(self, name, mode):
    name = str(name)
    if name not in self.units or self.units[name]['load'] != 'loaded':
        raise no_such_unit(name)
    job_id = self.next_job
    self.next_job += 1
    job = f'{MAIN_OBJ}/job/{job_id}'
    result = self.units[name]['result']

    def finish():
        if result == 'done':
            unit = mockobject.objects[unit_path(name)]
            pid = unit.Get(SERVICE_IFACE, 'MainPID')
            unit.UpdateProperties(SERVICE_IFACE, {'MainPID': dbus.UInt32(int(pid) + 1000),
                                                  'ExecMainStartTimestamp': dbus.UInt64(now_usec())})
            unit.UpdateProperties(UNIT_IFACE, {'ActiveState': 'active', 'SubState': 'running'})
        self.EmitSignal(MAIN_IFACE, 'JobRemoved', 'uoss', [dbus.UInt32(job_id), dbus.ObjectPath(job), name, result])
        return False

    if result != 'never':
        GLib.timeout_add(20, finish)
    return dbus.ObjectPath(job)


@dbus.service.method(MOCK_IFACE, in_signature='ssuassas', out_signature='')
def AddUnit(self, name, active, pid, env, result, stops_with):
    add_unit(self, str(name), str(active), int(pid), [str(e) for e in env], str(result), [str(s) for s in stops_with])


@dbus.service.method(MOCK_IFACE, in_signature='s', out_signature='')
def RestartElsewhere(self, name):
    '''The unit restarted by someone else (the operator, systemd's Restart=): a new main process now.'''
    unit = mockobject.objects[unit_path(str(name))]
    pid = unit.Get(SERVICE_IFACE, 'MainPID')
    unit.UpdateProperties(SERVICE_IFACE, {'MainPID': dbus.UInt32(int(pid) + 1),
                                          'ExecMainStartTimestamp': dbus.UInt64(now_usec())})


@dbus.service.method(MOCK_IFACE, in_signature='ss', out_signature='')
def SetRestartResult(self, name, result):
    self.units[str(name)]['result'] = str(result)
